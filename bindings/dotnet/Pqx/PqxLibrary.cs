using System;

namespace Pqx
{
    /// <summary>Functions of the native library that need no handle.</summary>
    public static class PqxLibrary
    {
        /// <summary>Version of the loaded native library (e.g. <c>"0.1.0"</c>).</summary>
        public static string Version
        {
            get { return Native.StaticString(Native.pqx_version()); }
        }

        /// <summary>
        /// SHA-1 thumbprint (40 upper-case hex digits) of a certificate in PEM or DER: the value
        /// for Power BI's <c>TrustedCertificateThumbprints</c>.
        /// </summary>
        public static string CertificateThumbprint(byte[] certificate)
        {
            Native.NotNull(certificate, "certificate");
            IntPtr s;
            Native.Check(Native.pqx_certificate_thumbprint(certificate, Native.Len(certificate), out s));
            return Native.TakeString(s);
        }

        /// <summary>SHA-256 thumbprint (64 upper-case hex digits) of a certificate in PEM or DER.</summary>
        public static string CertificateThumbprintSha256(byte[] certificate)
        {
            Native.NotNull(certificate, "certificate");
            IntPtr s;
            Native.Check(Native.pqx_certificate_thumbprint_sha256(certificate, Native.Len(certificate), out s));
            return Native.TakeString(s);
        }

        /// <summary>The built-in sample connector (HelloWorld) as <c>.mez</c> bytes, for demos and tests.</summary>
        public static byte[] SampleConnector()
        {
            NativeBuffer b;
            Native.Check(Native.pqx_sample_mez(out b));
            return Native.TakeBuffer(ref b);
        }

        /// <summary>
        /// What <c>pqx inspect --json</c> shows about a <c>.mez</c> or <c>.pqx</c> (format detected):
        /// entries, section name, version, signers.
        /// </summary>
        public static string InspectJson(byte[] connectorOrPackage)
        {
            Native.NotNull(connectorOrPackage, "connectorOrPackage");
            IntPtr s;
            Native.Check(Native.pqx_inspect_buffer_json(connectorOrPackage, Native.Len(connectorOrPackage), out s));
            return Native.TakeString(s);
        }
    }
}
