// Tests of the .NET bindings (bindings/dotnet/Pqx) against the native library, compiled with
// mcs and run with mono by bindings/run_ffi_tests.sh:
//
//   mono PqxTests.exe FIXTURE_DIR EXPECTED_VERSION
//
// FIXTURE_DIR is made by run_ffi_tests.sh (throwaway PKI, connector, tampered package; see
// bindings/c/tests/test_pqx.c). Prints "N passed, M failed"; exit code 1 on a failure.
using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Pqx;

static class PqxTests
{
    const string Password = "pqx-test-password";
    static string fixtures;
    static string expectedVersion;

    static string Fx(string name)
    {
        return Path.Combine(fixtures, name);
    }

    sealed class CheckFailed : Exception
    {
        public CheckFailed(string message) : base(message) { }
    }

    static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new CheckFailed(what);
        }
    }

    static PqxException Throws(PqxStatus expected, Action action)
    {
        try
        {
            action();
        }
        catch (PqxException e)
        {
            Check(e.Status == expected, "expected " + expected + ", got " + e.Status + ": " + e.Message);
            Check(!string.IsNullOrEmpty(e.Message), "exception has a message");
            return e;
        }
        throw new CheckFailed("expected PqxException " + expected + ", nothing thrown");
    }

    static void ThrowsOther<T>(Action action) where T : Exception
    {
        try
        {
            action();
        }
        catch (T)
        {
            return;
        }
        throw new CheckFailed("expected " + typeof(T).Name);
    }

    static PqxPackage Unsigned()
    {
        return PqxPackage.Pack(Fx("connector.mez"));
    }

    static PqxSigner Signer()
    {
        return PqxSigner.FromPkcs12File(Fx("signer.pfx"), Password);
    }

    // ---- tests

    static void VersionAndSample()
    {
        Check(PqxLibrary.Version == expectedVersion, "version " + PqxLibrary.Version);
        byte[] mez = PqxLibrary.SampleConnector();
        Check(mez.Length > 100 && mez[0] == (byte)'P', "sample is a ZIP");
        using (var package = PqxPackage.Pack(mez))
        {
            Check(new List<string>(package.Entries).Contains("HelloWorld.pq"), "entries list HelloWorld.pq");
            Check(package.InspectJson().Contains("\"sectionName\": \"HelloWorld\""), "inspect JSON");
        }
        Check(PqxLibrary.InspectJson(mez).Contains("\"format\": \"mez\""), "inspect a .mez");
    }

    static void SignAndVerifyUntrusted()
    {
        using (var package = Unsigned())
        using (var signer = Signer())
        using (var signed = package.Sign(signer))
        using (var report = signed.Verify())
        {
            Check(report.SignatureStatus == SignatureStatus.Success, "status " + report.SignatureStatus);
            Check(report.IsValid && !report.IsTrusted, "valid but untrusted without anchors");
            report.EnsureValid();
            Check(report.Signatures.Count == 1 && !report.Signatures[0].IsCountersignature, "one signature");
            Check(report.Signatures[0].Reason == null, "no reason on success");
            Check(report.Signatures[0].Thumbprint == signer.Thumbprint, "signature thumbprint");
            Check(report.CertificateStatus.Count == 1, "one signer");
            var leaf = report.CertificateStatus[0];
            Check(leaf.Thumbprint == signer.Thumbprint && leaf.Thumbprint.Length == 40, "leaf thumbprint");
            Check(leaf.Subject == signer.Subject && leaf.Subject.Contains("CN=pqx FFI Test Signer"), "leaf subject " + leaf.Subject);
            Check(leaf.Parent != null && leaf.Parent.Parent == null, "chain leaf -> root");
            Check(leaf.Issuer == leaf.Parent.Subject, "issuer is the parent's subject");
            Check(leaf.NotBefore < leaf.NotAfter && leaf.NotAfter > DateTimeOffset.UtcNow, "validity");
            Check(!leaf.Valid && leaf.Status.Contains("UntrustedRoot"), "status " + leaf.Status);
            string json = report.ToJson();
            Check(json.Contains("\"SignatureStatus\": \"Success\"") && json.Contains("\"CertificateStatus\""), "JSON");
            Check(report.ToString().Contains("Signature status: Success"), "text");
        }
    }

    static void TrustPolicies()
    {
        string rootSha1 = File.ReadAllText(Fx("root.sha1")).Trim();
        using (var package = Unsigned())
        using (var signer = Signer())
        using (var signed = package.Sign(signer, SignMode.Auto, DigestAlgorithm.Sha384))
        {
            using (var anchored = new TrustPolicy().AddAnchorsFile(Fx("root.pem")))
            using (var report = signed.Verify(anchored))
            {
                Check(report.IsTrusted, "trusted with the root as anchor");
                Check(report.CertificateStatus[0].Valid && report.CertificateStatus[0].Status == "NoError", "NoError");
                Check(report.CertificateStatus[0].Parent.Thumbprint == rootSha1, "root thumbprint matches openssl");
            }
            using (var pinned = new TrustPolicy().PinThumbprint(rootSha1))
            using (var report = signed.Verify(pinned))
            {
                Check(report.IsTrusted, "trusted by pinned thumbprint");
            }
            using (var distrusted = new TrustPolicy().AddAnchors(File.ReadAllBytes(Fx("root.der"))).DistrustThumbprint(rootSha1))
            using (var report = signed.Verify(distrusted))
            {
                Check(!report.IsTrusted, "distrust wins over anchor");
                Check(report.CertificateStatus[0].Parent.Status.Contains("ExplicitDistrust"), "root status " + report.CertificateStatus[0].Parent.Status + " / " + report.SignatureStatus);
            }
            using (var policy = new TrustPolicy())
            {
                Throws(PqxStatus.InvalidArgument, () => policy.PinThumbprint("not hex"));
                Throws(PqxStatus.Certificate, () => policy.AddAnchors(new byte[] { 1, 2, 3 }));
            }
        }
    }

    static void CountersignAndReplace()
    {
        using (var package = Unsigned())
        using (var signer = Signer())
        using (var legacy = PqxSigner.FromPkcs12File(Fx("signer-legacy.pfx"), Password))
        using (var once = package.Sign(signer))
        using (var twice = once.Sign(legacy, SignMode.Auto, DigestAlgorithm.Sha512))
        {
            using (var report = twice.Verify())
            {
                Check(report.SignatureStatus == SignatureStatus.Success, "countersigned package verifies");
                Check(report.Signatures.Count == 2, "two signatures");
                Check(report.Signatures[0].IsCountersignature != report.Signatures[1].IsCountersignature, "one countersignature");
            }
            using (var replaced = twice.Sign(signer, SignMode.Replace))
            using (var report = replaced.Verify())
            {
                Check(report.Signatures.Count == 1 && report.IsValid, "replace leaves one signature");
            }
        }
    }

    static void SignToArrayAndFile()
    {
        string path = Fx("cs-signed-to-file.pqx");
        using (var package = Unsigned())
        using (var signer = Signer())
        {
            byte[] bytes = package.SignToArray(signer);
            package.SignToFile(signer, path);
            using (var a = PqxPackage.FromBytes(bytes))
            using (var b = PqxPackage.Open(path))
            using (var ra = a.Verify())
            using (var rb = b.Verify())
            {
                Check(ra.IsValid && rb.IsValid, "both verify");
                Check(b.ToArray().Length == File.ReadAllBytes(path).Length, "ToArray is the file");
            }
            string copy = Fx("cs-copy.pqx");
            using (var a = PqxPackage.FromBytes(bytes))
            {
                a.Save(copy);
            }
            Check(File.ReadAllBytes(copy).Length == bytes.Length, "Save writes the bytes");
        }
    }

    static void LoadSigners()
    {
        using (var a = Signer())
        using (var b = PqxSigner.FromPkcs12(File.ReadAllBytes(Fx("signer-legacy.pfx")), Password))
        using (var c = PqxSigner.FromPemFiles(Fx("leaf.key"), Fx("chain.pem")))
        using (var d = PqxSigner.FromPem(File.ReadAllBytes(Fx("leaf.key")), File.ReadAllBytes(Fx("chain.pem"))))
        {
            Check(a.Thumbprint == b.Thumbprint && b.Thumbprint == c.Thumbprint && c.Thumbprint == d.Thumbprint, "same key four ways");
            Check(a.ChainLength == 2, "chain length");
        }
    }

    static void Errors()
    {
        var e = Throws(PqxStatus.WrongPassword, () => PqxSigner.FromPkcs12File(Fx("signer.pfx"), "wrong").Dispose());
        Check(e.StatusName == "wrong-password" && e.Message.Contains("signer.pfx"), "message: " + e.Message);
        // The core's hint, alone and at the end of the message.
        Check(e.Hint != null && e.Hint.Contains("password") && e.Message.EndsWith(" \u2014 " + e.Hint), "hint: " + e.Message);
        var missing = Throws(PqxStatus.Io, () => PqxPackage.Open(Fx("missing.pqx")).Dispose());
        Check(missing.Hint == "check the path", "hint: " + missing.Hint);
        var badCertificate = Throws(PqxStatus.Certificate, () => PqxLibrary.CertificateThumbprint(new byte[] { 0x30, 0x01 }));
        Check(badCertificate.Hint == null, "no hint to add: " + badCertificate.Hint);
        Throws(PqxStatus.WrongPassword, () => PqxSigner.FromPkcs12File(Fx("signer-legacy.pfx"), "").Dispose());
        Throws(PqxStatus.Io, () => PqxPackage.Open(Fx("missing.pqx")).Dispose());
        Throws(PqxStatus.Zip, () => PqxPackage.FromBytes(new byte[] { 1, 2, 3, 4 }).Dispose());
        Throws(PqxStatus.Opc, () => PqxPackage.Open(Fx("connector.mez")).Dispose());
        Throws(PqxStatus.Certificate, () => PqxLibrary.CertificateThumbprint(new byte[] { 0x30, 0x01 }));
        using (var package = Unsigned())
        using (var noEku = PqxSigner.FromPkcs12File(Fx("noeku.pfx"), Password))
        using (var signer = Signer())
        {
            Throws(PqxStatus.SigningPolicy, () => package.Sign(noEku).Dispose());
            Throws(PqxStatus.InvalidEnum, () => package.Sign(signer, SignMode.Auto, (DigestAlgorithm)42).Dispose());
            Throws(PqxStatus.InvalidEnum, () => package.Sign(signer, (SignMode)7).Dispose());
        }
        ThrowsOther<ArgumentNullException>(() => PqxPackage.Open(null));
        ThrowsOther<ArgumentNullException>(() => PqxSigner.FromPkcs12File(Fx("signer.pfx"), null));
    }

    static void TamperedAndUnsigned()
    {
        using (var tampered = PqxPackage.Open(Fx("tampered.pqx")))
        using (var report = tampered.Verify())
        {
            Check(report.SignatureStatus == SignatureStatus.InvalidSignature, "tampered: " + report.SignatureStatus);
            Check(!report.IsValid, "not valid");
            Check(report.Signatures[0].Reason != null && report.Signatures[0].Reason.Contains("Connector.pq"), "reason names the part");
            var e = Throws(PqxStatus.SignatureInvalid, report.EnsureValid);
            Check(e.Message.Contains("InvalidSignature"), e.Message);
        }
        using (var package = Unsigned())
        using (var report = package.Verify())
        {
            Check(report.SignatureStatus == SignatureStatus.NotSigned && report.Signatures.Count == 0, "unsigned");
            Throws(PqxStatus.SignatureInvalid, report.EnsureValid);
        }
    }

    static void DisposedObjectsThrow()
    {
        var package = Unsigned();
        package.Dispose();
        package.Dispose(); // twice is fine
        ThrowsOther<ObjectDisposedException>(() => package.ToArray());
        var signer = Signer();
        signer.Dispose();
        using (var p = Unsigned())
        {
            ThrowsOther<ObjectDisposedException>(() => p.Sign(signer));
        }
    }

    static void Thumbprints()
    {
        string expected = File.ReadAllText(Fx("root.sha1")).Trim();
        Check(PqxLibrary.CertificateThumbprint(File.ReadAllBytes(Fx("root.pem"))) == expected, "PEM thumbprint");
        Check(PqxLibrary.CertificateThumbprint(File.ReadAllBytes(Fx("root.der"))) == expected, "DER thumbprint");
        Check(PqxLibrary.CertificateThumbprintSha256(File.ReadAllBytes(Fx("root.der"))).Length == 64, "SHA-256 thumbprint");
    }

    /// The library's status list (pqx_status_name, checked in Rust against pqx-core's
    /// ErrorKind::ALL) and PqxStatus agree both ways.
    static void StatusesMatchTheLibrary()
    {
        foreach (PqxStatus s in Enum.GetValues(typeof(PqxStatus)))
        {
            Check(new PqxException(s, null).StatusName != "unknown-status", "the library does not know " + s);
        }
        for (int code = 0; code < 100; code++)
        {
            bool known = new PqxException((PqxStatus)code, null).StatusName != "unknown-status";
            Check(!known || Enum.IsDefined(typeof(PqxStatus), code), "PqxStatus lacks the library's status " + code);
        }
    }

    // ---- PqxSigner.FromRsa: a key the host keeps

    /// The test leaf's key in a managed RSA.Create() (leaf.xml: run_ffi_tests.sh writes the
    /// key's parameters in .NET's XML form), as a host's RSA from a store or KMS would be.
    static RSA LeafRsa()
    {
        RSA rsa = RSA.Create();
        rsa.FromXmlString(File.ReadAllText(Fx("leaf.xml")));
        return rsa;
    }

    static X509Certificate2 LeafCertificate()
    {
        return new X509Certificate2(File.ReadAllBytes(Fx("leaf.der")));
    }

    static X509Certificate2Collection Issuers()
    {
        return new X509Certificate2Collection(new X509Certificate2(File.ReadAllBytes(Fx("root.der"))));
    }

    /// An RSA whose SignHash throws, as a removed smart card or a KMS SDK without network does.
    sealed class ThrowingRsa : RSA
    {
        public override RSAParameters ExportParameters(bool includePrivateParameters) { throw new NotSupportedException(); }
        public override void ImportParameters(RSAParameters parameters) { throw new NotSupportedException(); }
        public override byte[] SignHash(byte[] hash, HashAlgorithmName hashAlgorithm, RSASignaturePadding padding)
        {
            throw new InvalidOperationException("the smart card was removed");
        }
    }

    static void FromRsaSignsAndVerifies()
    {
        using (RSA rsa = LeafRsa())
        using (var signer = PqxSigner.FromRsa(rsa, LeafCertificate(), Issuers()))
        using (var package = Unsigned())
        using (var loaded = Signer())
        {
            Check(signer.Thumbprint == loaded.Thumbprint && signer.Thumbprint == LeafCertificate().Thumbprint, "thumbprint");
            Check(signer.ChainLength == 2, "chain of 2");
            package.SignToFile(signer, Fx("cs-rsa-signed.pqx"));
            using (var signed = PqxPackage.Open(Fx("cs-rsa-signed.pqx")))
            using (var twice = signed.Sign(signer, SignMode.Auto, DigestAlgorithm.Sha512))
            using (var report = twice.Verify())
            {
                report.EnsureValid();
                Check(report.Signatures.Count == 2, "signature + countersignature");
                Check(report.Signatures[0].Thumbprint == loaded.Thumbprint, "signed by the leaf");
            }
            using (var fromArray = PqxPackage.FromBytes(package.SignToArray(signer)))
            using (var report = fromArray.Verify())
            {
                report.EnsureValid();
            }
        }
    }

    static void FromRsaWithACertificatesPrivateKey()
    {
        // The Windows-store path: a certificate with its key, GetRSAPrivateKey(), FromRsa.
        using (var cert = new X509Certificate2(Fx("signer-legacy.pfx"), Password))
        using (RSA rsa = cert.GetRSAPrivateKey())
        using (var signer = PqxSigner.FromRsa(rsa, cert))
        using (var package = Unsigned())
        using (var signed = package.Sign(signer))
        using (var report = signed.Verify())
        {
            report.EnsureValid();
            Check(report.Signatures[0].Thumbprint == cert.Thumbprint, "signed by the .pfx's certificate");
        }
    }

    static void FromRsaRefusesAnotherKeysSignature()
    {
        using (RSA other = RSA.Create())
        using (var signer = PqxSigner.FromRsa(other, LeafCertificate()))
        using (var package = Unsigned())
        {
            string path = Fx("cs-rsa-wrong-key.pqx");
            File.Delete(path);
            var e = Throws(PqxStatus.Key, () => package.SignToFile(signer, path));
            Check(e.Message.Contains("does not verify with the certificate"), e.Message);
            Check(e.InnerException == null, "no managed exception was thrown");
            Check(!File.Exists(path), "nothing written");
        }
    }

    static void FromRsaExceptionBecomesPqxException()
    {
        using (RSA rsa = new ThrowingRsa())
        using (var signer = PqxSigner.FromRsa(rsa, LeafCertificate(), Issuers()))
        using (var package = Unsigned())
        {
            var e = Throws(PqxStatus.Key, () => package.Sign(signer));
            Check(e.Message.Contains("signing callback failed") && e.Message.Contains("the smart card was removed"), e.Message);
            Check(e.InnerException is InvalidOperationException, "inner exception " + e.InnerException);
            // the failure is not left behind for the next call
            using (RSA good = LeafRsa())
            using (var ok = PqxSigner.FromRsa(good, LeafCertificate()))
            using (var signed = package.Sign(ok))
            using (var report = signed.Verify())
            {
                report.EnsureValid();
            }
        }
    }

    static void FromRsaArguments()
    {
        ThrowsOther<ArgumentNullException>(() => PqxSigner.FromRsa(null, LeafCertificate()));
        using (RSA rsa = LeafRsa())
        {
            ThrowsOther<ArgumentNullException>(() => PqxSigner.FromRsa(rsa, null));
            var noeku = new X509Certificate2(File.ReadAllBytes(Fx("noeku.der")));
            using (var signer = PqxSigner.FromRsa(rsa, noeku))
            using (var package = Unsigned())
            {
                Throws(PqxStatus.SigningPolicy, () => package.Sign(signer));
            }
        }
    }

    static int Main(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: PqxTests.exe FIXTURE_DIR EXPECTED_VERSION");
            return 2;
        }
        fixtures = args[0];
        expectedVersion = args[1];
        var tests = new List<KeyValuePair<string, Action>>
        {
            new KeyValuePair<string, Action>("version, sample connector, entries, inspect", VersionAndSample),
            new KeyValuePair<string, Action>("sign and verify without trust anchors", SignAndVerifyUntrusted),
            new KeyValuePair<string, Action>("trust policies: anchor, pin, distrust", TrustPolicies),
            new KeyValuePair<string, Action>("countersign and replace", CountersignAndReplace),
            new KeyValuePair<string, Action>("sign to array and to file, save", SignToArrayAndFile),
            new KeyValuePair<string, Action>("load signers: pfx (default, legacy), PEM", LoadSigners),
            new KeyValuePair<string, Action>("errors carry status, message and hint", Errors),
            new KeyValuePair<string, Action>("PqxStatus matches the library's statuses", StatusesMatchTheLibrary),
            new KeyValuePair<string, Action>("tampered and unsigned packages", TamperedAndUnsigned),
            new KeyValuePair<string, Action>("disposed objects throw ObjectDisposedException", DisposedObjectsThrow),
            new KeyValuePair<string, Action>("certificate thumbprints", Thumbprints),
            new KeyValuePair<string, Action>("PqxSigner.FromRsa: RSA.Create() key signs, SHA-256 and SHA-512, verifies", FromRsaSignsAndVerifies),
            new KeyValuePair<string, Action>("PqxSigner.FromRsa: X509Certificate2.GetRSAPrivateKey() of a .pfx signs", FromRsaWithACertificatesPrivateKey),
            new KeyValuePair<string, Action>("PqxSigner.FromRsa: another key's signature is refused, nothing written", FromRsaRefusesAnotherKeysSignature),
            new KeyValuePair<string, Action>("PqxSigner.FromRsa: SignHash's exception becomes the inner exception", FromRsaExceptionBecomesPqxException),
            new KeyValuePair<string, Action>("PqxSigner.FromRsa: null arguments, signing policy", FromRsaArguments),
        };
        int passed = 0, failed = 0;
        foreach (var t in tests)
        {
            try
            {
                t.Value();
                Console.WriteLine("ok   - " + t.Key);
                passed++;
            }
            catch (Exception e)
            {
                Console.WriteLine("FAIL - " + t.Key);
                Console.WriteLine("    " + e.GetType().Name + ": " + e.Message);
                failed++;
            }
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Console.WriteLine(passed + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }
}
