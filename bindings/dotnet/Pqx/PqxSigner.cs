using System;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pqx
{
    /// <summary>
    /// A signing key and its certificate chain: an RSA private key loaded from a <c>.pfx</c> or
    /// PEM files (it lives in native memory until <see cref="Dispose"/>: dispose it promptly),
    /// or any <see cref="RSA"/> the host has (<see cref="FromRsa"/>).
    /// </summary>
    public sealed class PqxSigner : IDisposable
    {
        private PqxSigner(SignerHandle handle)
        {
            Handle = handle;
        }

        internal SignerHandle Handle { get; private set; }

        /// <summary>Loads a PKCS#12 file (OpenSSL 3 default or legacy format, Windows exports).</summary>
        /// <exception cref="PqxException"><see cref="PqxStatus.WrongPassword"/>, <see cref="PqxStatus.Io"/>, ...</exception>
        public static PqxSigner FromPkcs12File(string path, string password)
        {
            SignerHandle h;
            Native.Check(Native.pqx_signer_load_pkcs12_path(Native.Utf8(Native.NotNull(path, "path")), Native.Utf8(Native.NotNull(password, "password")), out h));
            return new PqxSigner(h);
        }

        /// <summary>Loads a PKCS#12 file held in memory.</summary>
        public static PqxSigner FromPkcs12(byte[] pfx, string password)
        {
            Native.NotNull(pfx, "pfx");
            SignerHandle h;
            Native.Check(Native.pqx_signer_load_pkcs12_buffer(pfx, Native.Len(pfx), Native.Utf8(Native.NotNull(password, "password")), out h));
            return new PqxSigner(h);
        }

        /// <summary>
        /// Loads a PEM/DER private key (PKCS#8, encrypted PKCS#8 or PKCS#1) and a PEM chain;
        /// <paramref name="keyPassword"/> is null for an unencrypted key.
        /// </summary>
        public static PqxSigner FromPemFiles(string keyPath, string chainPath, string keyPassword = null)
        {
            SignerHandle h;
            Native.Check(Native.pqx_signer_load_pem_path(Native.Utf8(Native.NotNull(keyPath, "keyPath")), Native.Utf8(keyPassword), Native.Utf8(Native.NotNull(chainPath, "chainPath")), out h));
            return new PqxSigner(h);
        }

        /// <summary>Like <see cref="FromPemFiles"/>, from bytes; an empty chain means "in the key bytes".</summary>
        public static PqxSigner FromPem(byte[] key, byte[] chain, string keyPassword = null)
        {
            Native.NotNull(key, "key");
            Native.NotNull(chain, "chain");
            SignerHandle h;
            Native.Check(Native.pqx_signer_load_pem_buffer(key, Native.Len(key), Native.Utf8(keyPassword), chain, Native.Len(chain), out h));
            return new PqxSigner(h);
        }

        /// <summary>
        /// A signer whose signatures come from <paramref name="rsa"/>: any <see cref="RSA"/> a
        /// .NET host has — a key from the Windows certificate store
        /// (<c>certificate.GetRSAPrivateKey()</c>), a smart card's CSP, a cloud KMS SDK's
        /// <c>RSA</c> — so the private key never has to be exported to a <c>.pfx</c>. pqx calls
        /// <c>rsa.SignHash(digest, algorithm, RSASignaturePadding.Pkcs1)</c> with the digest to
        /// sign (SHA-256 unless the sign call asks for another) and checks every signature with
        /// <paramref name="certificate"/>'s public key before writing anything.
        /// </summary>
        /// <remarks>
        /// Signing with the same signer from several threads at once calls <c>SignHash</c>
        /// concurrently: use an <see cref="RSA"/> that allows it, or sign from one thread.
        /// </remarks>
        /// <param name="rsa">The private key (or a handle to it); used only during sign calls, not disposed by pqx.</param>
        /// <param name="certificate">The signer's certificate: its public key must be <paramref name="rsa"/>'s.</param>
        /// <param name="issuers">Issuer certificates to include in the signature (intermediates, root); may be null.</param>
        /// <exception cref="PqxException">
        /// <see cref="PqxStatus.InvalidArgument"/> or <see cref="PqxStatus.UnsupportedAlgorithm"/>
        /// for a certificate pqx cannot sign for (not RSA). When signing:
        /// <see cref="PqxStatus.Key"/> if <c>SignHash</c> throws (the exception is the
        /// <see cref="Exception.InnerException"/> and its message is in the message) or returns
        /// a signature that does not verify with the certificate;
        /// <see cref="PqxStatus.SigningPolicy"/> for a certificate the signing policy refuses.
        /// </exception>
        public static PqxSigner FromRsa(RSA rsa, X509Certificate2 certificate, X509Certificate2Collection issuers = null)
        {
            Native.NotNull(rsa, "rsa");
            Native.NotNull(certificate, "certificate");
            var ders = new System.Collections.Generic.List<byte[]> { certificate.RawData };
            if (issuers != null)
            {
                foreach (X509Certificate2 issuer in issuers)
                {
                    ders.Add(issuer.RawData);
                }
            }
            var pins = new GCHandle[ders.Count];
            var pointers = new IntPtr[ders.Count];
            var lengths = new UIntPtr[ders.Count];
            GCHandle state = GCHandle.Alloc(new RsaCallback(rsa));
            SignerHandle h = null;
            try
            {
                for (int i = 0; i < ders.Count; i++)
                {
                    pins[i] = GCHandle.Alloc(ders[i], GCHandleType.Pinned);
                    pointers[i] = pins[i].AddrOfPinnedObject();
                    lengths[i] = Native.Len(ders[i]);
                }
                Native.Check(Native.pqx_signer_from_callback(pointers, lengths, new UIntPtr((ulong)ders.Count), 0,
                    RsaCallback.Delegate, GCHandle.ToIntPtr(state), out h));
                h.CallbackState = state; // freed by the handle, after the native signer
                return new PqxSigner(h);
            }
            catch
            {
                if (h == null || !h.CallbackState.IsAllocated)
                {
                    state.Free();
                }
                throw;
            }
            finally
            {
                foreach (GCHandle pin in pins)
                {
                    if (pin.IsAllocated)
                    {
                        pin.Free();
                    }
                }
            }
        }

        /// <summary>
        /// Checks the status of a sign call made with this signer; a failure caused by an
        /// exception in a <see cref="FromRsa"/> callback carries that exception.
        /// </summary>
        internal void CheckSigned(PqxStatus status)
        {
            Exception thrown = RsaCallback.TakeException();
            if (status == PqxStatus.Ok)
            {
                return;
            }
            string message = Native.StaticString(Native.pqx_last_error_message());
            if (thrown != null)
            {
                throw new PqxException(status, message + ": " + thrown.GetType().Name + ": " + thrown.Message, thrown);
            }
            Native.Check(status);
        }

        /// <summary>SHA-1 thumbprint of the signer certificate (Power BI's <c>TrustedCertificateThumbprints</c>).</summary>
        public string Thumbprint
        {
            get
            {
                IntPtr s;
                Native.Check(Native.pqx_signer_thumbprint(Handle, out s));
                return Native.TakeString(s);
            }
        }

        /// <summary>Subject of the signer certificate, .NET form (<c>CN=..., O=...</c>).</summary>
        public string Subject
        {
            get
            {
                IntPtr s;
                Native.Check(Native.pqx_signer_subject(Handle, out s));
                return Native.TakeString(s);
            }
        }

        /// <summary>Number of certificates a signature will carry (signer and issuers).</summary>
        public int ChainLength
        {
            get
            {
                UIntPtr n;
                Native.Check(Native.pqx_signer_chain_length(Handle, out n));
                return checked((int)n.ToUInt64());
            }
        }

        /// <summary>Frees the native key.</summary>
        public void Dispose()
        {
            Handle.Dispose();
        }
    }

    /// <summary>
    /// The native callback behind <see cref="PqxSigner.FromRsa"/>. One static delegate (never
    /// collected) for every signer; the per-signer state crosses as the GCHandle in
    /// <c>user_data</c>, which the signer's <see cref="SignerHandle"/> frees after the native
    /// signer. Exceptions never cross into native code: they are kept (per thread — the
    /// callback runs on the thread of the sign call) and rethrown as the inner exception of the
    /// sign call's <see cref="PqxException"/>.
    /// </summary>
    internal sealed class RsaCallback
    {
        internal static readonly Native.SignCallback Delegate = Sign;

        [ThreadStatic] private static Exception lastException;

        private readonly RSA rsa;

        internal RsaCallback(RSA rsa)
        {
            this.rsa = rsa;
        }

        /// <summary>The exception the last failed callback on this thread threw (cleared).</summary>
        internal static Exception TakeException()
        {
            Exception e = lastException;
            lastException = null;
            return e;
        }

        private static HashAlgorithmName HashName(int algorithm)
        {
            switch ((DigestAlgorithm)algorithm)
            {
                case DigestAlgorithm.Sha256: return HashAlgorithmName.SHA256;
                case DigestAlgorithm.Sha384: return HashAlgorithmName.SHA384;
                case DigestAlgorithm.Sha512: return HashAlgorithmName.SHA512;
                case DigestAlgorithm.Sha1: return HashAlgorithmName.SHA1;
                default: throw new CryptographicException("pqx asked for an unknown digest algorithm " + algorithm);
            }
        }

        private static int Sign(IntPtr userData, int algorithm, IntPtr digest, UIntPtr digestLen, IntPtr signature, ref UIntPtr signatureLen)
        {
            try
            {
                var self = (RsaCallback)GCHandle.FromIntPtr(userData).Target;
                var hash = new byte[checked((int)digestLen.ToUInt64())];
                Marshal.Copy(digest, hash, 0, hash.Length);
                byte[] sig = self.rsa.SignHash(hash, HashName(algorithm), RSASignaturePadding.Pkcs1);
                if (sig == null || (ulong)sig.Length > signatureLen.ToUInt64())
                {
                    throw new CryptographicException("RSA.SignHash returned " + (sig == null ? "null" : sig.Length + " bytes")
                        + ", more than the certificate's key size (" + signatureLen.ToUInt64() + " bytes)");
                }
                Marshal.Copy(sig, 0, signature, sig.Length);
                signatureLen = new UIntPtr((ulong)sig.Length);
                return 0;
            }
            catch (Exception e)
            {
                lastException = e;
                return 1;
            }
        }
    }
}
