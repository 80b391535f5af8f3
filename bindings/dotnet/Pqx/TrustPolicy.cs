using System;

namespace Pqx
{
    /// <summary>
    /// What verification trusts: anchors (roots you chose), pinned thumbprints (as Power BI's
    /// <c>TrustedCertificateThumbprints</c>) and distrusted ones. A new policy trusts nothing.
    /// Methods return the policy, for chaining.
    /// </summary>
    public sealed class TrustPolicy : IDisposable
    {
        /// <summary>Creates a policy that trusts nothing.</summary>
        public TrustPolicy()
        {
            TrustPolicyHandle h;
            Native.Check(Native.pqx_trust_policy_new(out h));
            Handle = h;
        }

        internal TrustPolicyHandle Handle { get; private set; }

        /// <summary>Adds the certificates of PEM text, or one DER certificate, as trust anchors.</summary>
        public TrustPolicy AddAnchors(byte[] certificates)
        {
            Native.NotNull(certificates, "certificates");
            Native.Check(Native.pqx_trust_policy_add_anchors(Handle, certificates, Native.Len(certificates)));
            return this;
        }

        /// <summary>Adds the trust anchors of a <c>.pem</c>/<c>.crt</c>/<c>.cer</c>/<c>.der</c> file.</summary>
        public TrustPolicy AddAnchorsFile(string path)
        {
            Native.Check(Native.pqx_trust_policy_add_anchors_path(Handle, Native.Utf8(Native.NotNull(path, "path"))));
            return this;
        }

        /// <summary>Trusts any chain containing this SHA-1 (40 hex) or SHA-256 (64 hex) thumbprint.</summary>
        public TrustPolicy PinThumbprint(string thumbprint)
        {
            Native.Check(Native.pqx_trust_policy_pin_thumbprint(Handle, Native.Utf8(Native.NotNull(thumbprint, "thumbprint"))));
            return this;
        }

        /// <summary>Distrusts any chain containing this thumbprint, whatever else the policy says.</summary>
        public TrustPolicy DistrustThumbprint(string thumbprint)
        {
            Native.Check(Native.pqx_trust_policy_distrust_thumbprint(Handle, Native.Utf8(Native.NotNull(thumbprint, "thumbprint"))));
            return this;
        }

        /// <summary>Frees the native policy.</summary>
        public void Dispose()
        {
            Handle.Dispose();
        }
    }
}
