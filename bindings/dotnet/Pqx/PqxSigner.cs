using System;

namespace Pqx
{
    /// <summary>
    /// A signing key: RSA private key and certificate chain, loaded from a <c>.pfx</c> or PEM
    /// files. The key lives in native memory until <see cref="Dispose"/>: dispose it promptly.
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
}
