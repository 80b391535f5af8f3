using System;

namespace Pqx
{
    /// <summary>
    /// The status every pqx C function returns (<c>pqx_status</c> in pqx.h); the numbers are
    /// stable. 1–9 are misuse of the C ABI, 10 and up are pqx-core's error kinds (the tests
    /// check this enum against the library's list both ways).
    /// </summary>
    public enum PqxStatus
    {
        /// <summary>Success.</summary>
        Ok = 0,
        /// <summary>A required argument was NULL.</summary>
        NullArgument = 1,
        /// <summary>A string argument was not valid UTF-8.</summary>
        InvalidUtf8 = 2,
        /// <summary>A result string contained NUL.</summary>
        InteriorNul = 3,
        /// <summary>An index was out of range.</summary>
        IndexOutOfRange = 4,
        /// <summary>The package did not verify (<see cref="VerificationReport.EnsureValid"/>).</summary>
        SignatureInvalid = 5,
        /// <summary>An enum argument had an undefined value.</summary>
        InvalidEnum = 6,
        /// <summary>A bug inside pqx (a caught panic).</summary>
        Panic = 9,
        /// <summary>Reading or writing a file failed.</summary>
        Io = 10,
        /// <summary>Not a ZIP archive, or a damaged one.</summary>
        Zip = 11,
        /// <summary>Not a valid connector (.mez).</summary>
        Mez = 12,
        /// <summary>Malformed OPC package or part name.</summary>
        Opc = 13,
        /// <summary>Malformed or forbidden XML.</summary>
        Xml = 14,
        /// <summary>Malformed signature part.</summary>
        SignatureFormat = 15,
        /// <summary>Unsupported algorithm.</summary>
        UnsupportedAlgorithm = 16,
        /// <summary>Invalid certificate.</summary>
        Certificate = 17,
        /// <summary>Unreadable private key.</summary>
        Key = 18,
        /// <summary>Wrong password for a .pfx or encrypted key.</summary>
        WrongPassword = 19,
        /// <summary>Signing refused (weak key, no code-signing EKU, expired certificate, ...).</summary>
        SigningPolicy = 20,
        /// <summary>Cryptographic failure.</summary>
        Crypto = 21,
        /// <summary>Invalid argument.</summary>
        InvalidArgument = 22,
        /// <summary>A resource limit was exceeded.</summary>
        LimitExceeded = 23,
        /// <summary>An RFC 3161 time-stamp could not be obtained or does not verify.</summary>
        Timestamp = 24,
        /// <summary>A CMS (PKCS#7) structure is malformed or does not verify.</summary>
        Cms = 25,
        /// <summary>An error kind newer than these bindings.</summary>
        UnknownError = 99,
    }

    /// <summary>
    /// A pqx call failed. <see cref="Status"/> says what kind of failure (stable numbers, for
    /// code); <see cref="Exception.Message"/> says exactly what went wrong and, after " — ",
    /// what to do about it (for people); <see cref="Hint"/> is that advice alone.
    /// </summary>
    public class PqxException : Exception
    {
        /// <summary>Creates an exception for a failed call.</summary>
        public PqxException(PqxStatus status, string message)
            : this(status, message, (string)null)
        {
        }

        /// <summary>Creates an exception for a failed call, with pqx's hint.</summary>
        public PqxException(PqxStatus status, string message, string hint)
            : base(Compose(status, message, hint))
        {
            Status = status;
            Hint = string.IsNullOrEmpty(hint) ? null : hint;
        }

        /// <summary>
        /// Creates an exception for a failed call caused by <paramref name="inner"/> (an exception
        /// thrown by a <see cref="PqxSigner.FromRsa"/> signer's <c>RSA</c>).
        /// </summary>
        public PqxException(PqxStatus status, string message, Exception inner)
            : base(string.IsNullOrEmpty(message) ? StatusNameOf(status) : message, inner)
        {
            Status = status;
        }

        /// <summary>The status the C function returned.</summary>
        public PqxStatus Status { get; private set; }

        /// <summary>
        /// What the user can do about it (<c>pqx_last_error_hint</c>: the same words as the pqx
        /// command line), or <c>null</c>.
        /// </summary>
        public string Hint { get; private set; }

        private static string Compose(PqxStatus status, string message, string hint)
        {
            var text = string.IsNullOrEmpty(message) ? StatusNameOf(status) : message;
            return string.IsNullOrEmpty(hint) ? text : text + " \u2014 " + hint;
        }

        /// <summary>The stable short name of <see cref="Status"/> (<c>"wrong-password"</c>, ...).</summary>
        public string StatusName
        {
            get { return StatusNameOf(Status); }
        }

        private static string StatusNameOf(PqxStatus status)
        {
            return Native.StaticString(Native.pqx_status_name((int)status));
        }
    }

    /// <summary>What signing does with a package that is already signed (<c>pqx_sign_mode</c>).</summary>
    public enum SignMode
    {
        /// <summary>Sign an unsigned package, countersign a signed one (MakePQX's <c>sign</c>).</summary>
        Auto = 0,
        /// <summary>Remove the existing signatures, then sign (MakePQX's <c>sign --replace</c>).</summary>
        Replace = 1,
    }

    /// <summary>Digest algorithm of a new signature (<c>pqx_digest</c>).</summary>
    public enum DigestAlgorithm
    {
        /// <summary>SHA-256, the default.</summary>
        Sha256 = 0,
        /// <summary>SHA-384.</summary>
        Sha384 = 1,
        /// <summary>SHA-512.</summary>
        Sha512 = 2,
        /// <summary>SHA-1: weak, only for hosts that read nothing else.</summary>
        Sha1 = 3,
    }

    /// <summary>
    /// Verdict on a package or a signature (<c>pqx_signature_status</c>); the names are the
    /// strings of MakePQX's <c>SignatureStatus</c>.
    /// </summary>
    public enum SignatureStatus
    {
        /// <summary>Every signature verified and everything is covered.</summary>
        Success = 0,
        /// <summary>A digest or signature value does not match: the package was changed.</summary>
        InvalidSignature = 1,
        /// <summary>A signature carries no certificate.</summary>
        CertificateRequired = 2,
        /// <summary>The signer certificate is unacceptable.</summary>
        InvalidCertificate = 3,
        /// <summary>A signed part is missing.</summary>
        ReferenceNotFound = 4,
        /// <summary>The package has no signature.</summary>
        NotSigned = 5,
        /// <summary>Something in the package is covered by no signature.</summary>
        UnsignedParts = 6,
        /// <summary>A signature part is malformed.</summary>
        MalformedSignature = 7,
        /// <summary>A signature uses an algorithm pqx does not accept.</summary>
        UnsupportedAlgorithm = 8,
        /// <summary>A status newer than these bindings (see the JSON).</summary>
        Unknown = 99,
    }
}
