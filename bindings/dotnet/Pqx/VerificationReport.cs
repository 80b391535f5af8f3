using System;
using System.Collections.Generic;
using System.Globalization;

namespace Pqx
{
    /// <summary>
    /// One certificate of a verification report, as in MakePQX's JSON <c>CertificateStatus</c>:
    /// the signer first, its issuer as <see cref="Parent"/>, and so on up the chain.
    /// </summary>
    public sealed class CertificateStatusEntry
    {
        internal CertificateStatusEntry() { }

        /// <summary>Issuer name, .NET form (<c>CN=..., O=...</c>).</summary>
        public string Issuer { get; internal set; }

        /// <summary>SHA-1 thumbprint, 40 upper-case hex digits.</summary>
        public string Thumbprint { get; internal set; }

        /// <summary>Subject name, .NET form.</summary>
        public string Subject { get; internal set; }

        /// <summary>Start of validity.</summary>
        public DateTimeOffset NotBefore { get; internal set; }

        /// <summary>End of validity.</summary>
        public DateTimeOffset NotAfter { get; internal set; }

        /// <summary>Whether this certificate chains to the trust policy with no error.</summary>
        public bool Valid { get; internal set; }

        /// <summary>The issuer's entry; null at the top of the chain.</summary>
        public CertificateStatusEntry Parent { get; internal set; }

        /// <summary>
        /// .NET <c>X509ChainStatusFlags</c> of this certificate and those above it
        /// (<c>"NoError"</c>, <c>"UntrustedRoot"</c>, <c>"NotTimeValid, UntrustedRoot"</c>, ...).
        /// </summary>
        public string Status { get; internal set; }
    }

    /// <summary>One signature of the package (pqx's <c>Signatures</c> section of the report).</summary>
    public sealed class SignatureInfo
    {
        internal SignatureInfo() { }

        /// <summary>This signature's own status.</summary>
        public SignatureStatus Status { get; internal set; }

        /// <summary>SHA-1 thumbprint of the signer; null when the signature names no certificate.</summary>
        public string Thumbprint { get; internal set; }

        /// <summary>Why the signature failed; null when it verified.</summary>
        public string Reason { get; internal set; }

        /// <summary>Whether it countersigns other signatures.</summary>
        public bool IsCountersignature { get; internal set; }
    }

    /// <summary>
    /// The result of <see cref="PqxPackage.Verify"/>. The typed properties are read when the
    /// report is created; <see cref="ToJson"/> gives MakePQX's JSON. Dispose it to free the
    /// native report.
    /// </summary>
    public sealed class VerificationReport : IDisposable
    {
        private readonly ReportHandle handle;

        internal VerificationReport(ReportHandle handle)
        {
            this.handle = handle;
            try
            {
                Load();
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }

        /// <summary>Overall verdict (MakePQX's <c>SignatureStatus</c>).</summary>
        public SignatureStatus SignatureStatus { get; private set; }

        /// <summary>One entry per signer with its chain as nested parents (MakePQX's <c>CertificateStatus</c>).</summary>
        public IReadOnlyList<CertificateStatusEntry> CertificateStatus { get; private set; }

        /// <summary>Every signature, countersignatures included.</summary>
        public IReadOnlyList<SignatureInfo> Signatures { get; private set; }

        /// <summary>Whether the package verified: unchanged since signing and fully covered.</summary>
        public bool IsValid { get; private set; }

        /// <summary>Whether it verified and every signer chains to the trust policy.</summary>
        public bool IsTrusted { get; private set; }

        /// <summary>The report as MakePQX-shaped JSON (plus pqx's <c>Signatures</c>, <c>UnsignedParts</c>, <c>Warnings</c>).</summary>
        public string ToJson()
        {
            IntPtr s;
            Native.Check(Native.pqx_report_to_json(handle, out s));
            return Native.TakeString(s);
        }

        /// <summary>A short human-readable summary.</summary>
        public override string ToString()
        {
            IntPtr s;
            Native.Check(Native.pqx_report_to_text(handle, out s));
            return Native.TakeString(s);
        }

        /// <summary>Throws a <see cref="PqxException"/> (<see cref="PqxStatus.SignatureInvalid"/>, with the reason) unless the package verified.</summary>
        public void EnsureValid()
        {
            Native.Check(Native.pqx_report_check(handle));
        }

        /// <summary>Frees the native report.</summary>
        public void Dispose()
        {
            handle.Dispose();
        }

        private static SignatureStatus ToStatus(int value)
        {
            return Enum.IsDefined(typeof(SignatureStatus), value) ? (SignatureStatus)value : SignatureStatus.Unknown;
        }

        private void Load()
        {
            int status;
            bool flag;
            Native.Check(Native.pqx_report_signature_status(handle, out status));
            SignatureStatus = ToStatus(status);
            Native.Check(Native.pqx_report_is_valid(handle, out flag));
            IsValid = flag;
            Native.Check(Native.pqx_report_is_trusted(handle, out flag));
            IsTrusted = flag;

            UIntPtr count;
            Native.Check(Native.pqx_report_signature_count(handle, out count));
            var signatures = new List<SignatureInfo>();
            for (ulong i = 0; i < count.ToUInt64(); i++)
            {
                var index = new UIntPtr(i);
                IntPtr s;
                var info = new SignatureInfo();
                Native.Check(Native.pqx_report_signature_status_at(handle, index, out status));
                info.Status = ToStatus(status);
                Native.Check(Native.pqx_report_signature_thumbprint(handle, index, out s));
                info.Thumbprint = Native.TakeString(s);
                Native.Check(Native.pqx_report_signature_reason(handle, index, out s));
                info.Reason = Native.TakeString(s);
                Native.Check(Native.pqx_report_signature_is_countersignature(handle, index, out flag));
                info.IsCountersignature = flag;
                signatures.Add(info);
            }
            Signatures = signatures;

            // The C API lists certificates flat, each with its parent's index; rebuild the nesting.
            Native.Check(Native.pqx_report_certificate_count(handle, out count));
            var all = new List<CertificateStatusEntry>();
            var parents = new List<long>();
            for (ulong i = 0; i < count.ToUInt64(); i++)
            {
                var index = new UIntPtr(i);
                IntPtr s;
                var e = new CertificateStatusEntry();
                Native.Check(Native.pqx_report_certificate_issuer(handle, index, out s));
                e.Issuer = Native.TakeString(s);
                Native.Check(Native.pqx_report_certificate_thumbprint(handle, index, out s));
                e.Thumbprint = Native.TakeString(s);
                Native.Check(Native.pqx_report_certificate_subject(handle, index, out s));
                e.Subject = Native.TakeString(s);
                Native.Check(Native.pqx_report_certificate_not_before(handle, index, out s));
                e.NotBefore = ParseTime(Native.TakeString(s));
                Native.Check(Native.pqx_report_certificate_not_after(handle, index, out s));
                e.NotAfter = ParseTime(Native.TakeString(s));
                Native.Check(Native.pqx_report_certificate_status(handle, index, out s));
                e.Status = Native.TakeString(s);
                Native.Check(Native.pqx_report_certificate_is_valid(handle, index, out flag));
                e.Valid = flag;
                IntPtr parent;
                Native.Check(Native.pqx_report_certificate_parent(handle, index, out parent));
                parents.Add(parent.ToInt64());
                all.Add(e);
            }
            var isParent = new bool[all.Count];
            for (int i = 0; i < all.Count; i++)
            {
                long p = parents[i];
                if (p >= 0 && p < all.Count)
                {
                    all[i].Parent = all[(int)p];
                    isParent[p] = true;
                }
            }
            var tops = new List<CertificateStatusEntry>();
            for (int i = 0; i < all.Count; i++)
            {
                if (!isParent[i])
                {
                    tops.Add(all[i]);
                }
            }
            CertificateStatus = tops;
        }

        private static DateTimeOffset ParseTime(string iso)
        {
            return DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.None);
        }
    }
}
