using System;
using System.Runtime.InteropServices;
using System.Text;

namespace Pqx
{
    /// <summary>A library-owned byte buffer (<c>pqx_buffer</c>).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeBuffer
    {
        public IntPtr Data;
        public UIntPtr Len;
    }

    /// <summary>
    /// P/Invoke declarations for include/pqx.h, one to one, plus the marshalling helpers.
    /// Strings cross as NUL-terminated UTF-8 byte arrays (not the platform's ANSI code page),
    /// handles as <see cref="SafeHandle"/>s so that a handle cannot be freed while a call uses it.
    /// </summary>
    internal static class Native
    {
        private const string Lib = "pqx";

        // ---- library, status, errors, memory
        [DllImport(Lib)] internal static extern IntPtr pqx_version();
        [DllImport(Lib)] internal static extern IntPtr pqx_status_name(int status);
        [DllImport(Lib)] internal static extern IntPtr pqx_signature_status_name(int status);
        [DllImport(Lib)] internal static extern IntPtr pqx_last_error_message();
        [DllImport(Lib)] internal static extern IntPtr pqx_last_error_hint();
        [DllImport(Lib)] internal static extern void pqx_string_free(IntPtr s);
        [DllImport(Lib)] internal static extern void pqx_buffer_free(ref NativeBuffer buffer);
        [DllImport(Lib)] internal static extern PqxStatus pqx_sample_mez(out NativeBuffer buffer);
        [DllImport(Lib)] internal static extern PqxStatus pqx_certificate_thumbprint(byte[] data, UIntPtr len, out IntPtr result);
        [DllImport(Lib)] internal static extern PqxStatus pqx_certificate_thumbprint_sha256(byte[] data, UIntPtr len, out IntPtr result);
        [DllImport(Lib)] internal static extern PqxStatus pqx_inspect_buffer_json(byte[] data, UIntPtr len, out IntPtr result);

        // ---- packages
        [DllImport(Lib)] internal static extern PqxStatus pqx_package_open_path(byte[] path, out PackageHandle package);
        [DllImport(Lib)] internal static extern PqxStatus pqx_package_open_buffer(byte[] data, UIntPtr len, out PackageHandle package);
        [DllImport(Lib)] internal static extern PqxStatus pqx_package_pack_path(byte[] mezPath, out PackageHandle package);
        [DllImport(Lib)] internal static extern PqxStatus pqx_package_pack_buffer(byte[] data, UIntPtr len, out PackageHandle package);
        [DllImport(Lib)] internal static extern PqxStatus pqx_package_to_buffer(PackageHandle package, out NativeBuffer buffer);
        [DllImport(Lib)] internal static extern PqxStatus pqx_package_write_path(PackageHandle package, byte[] path);
        [DllImport(Lib)] internal static extern PqxStatus pqx_package_entry_count(PackageHandle package, out UIntPtr count);
        [DllImport(Lib)] internal static extern PqxStatus pqx_package_entry_name(PackageHandle package, UIntPtr index, out IntPtr name);
        [DllImport(Lib)] internal static extern PqxStatus pqx_package_inspect_json(PackageHandle package, out IntPtr json);
        [DllImport(Lib)] internal static extern void pqx_package_free(IntPtr package);

        // ---- signing
        [DllImport(Lib)] internal static extern PqxStatus pqx_sign(PackageHandle package, SignerHandle signer, int mode, int digest, out PackageHandle signedPackage);
        [DllImport(Lib)] internal static extern PqxStatus pqx_sign_to_buffer(PackageHandle package, SignerHandle signer, int mode, int digest, out NativeBuffer buffer);
        [DllImport(Lib)] internal static extern PqxStatus pqx_sign_to_path(PackageHandle package, SignerHandle signer, int mode, int digest, byte[] path);

        // ---- signers
        [DllImport(Lib)] internal static extern PqxStatus pqx_signer_load_pkcs12_path(byte[] path, byte[] password, out SignerHandle signer);
        [DllImport(Lib)] internal static extern PqxStatus pqx_signer_load_pkcs12_buffer(byte[] data, UIntPtr len, byte[] password, out SignerHandle signer);
        [DllImport(Lib)] internal static extern PqxStatus pqx_signer_load_pem_path(byte[] keyPath, byte[] keyPassword, byte[] chainPath, out SignerHandle signer);
        [DllImport(Lib)] internal static extern PqxStatus pqx_signer_load_pem_buffer(byte[] key, UIntPtr keyLen, byte[] keyPassword, byte[] chain, UIntPtr chainLen, out SignerHandle signer);
        [DllImport(Lib)] internal static extern PqxStatus pqx_signer_thumbprint(SignerHandle signer, out IntPtr thumbprint);
        [DllImport(Lib)] internal static extern PqxStatus pqx_signer_subject(SignerHandle signer, out IntPtr subject);
        [DllImport(Lib)] internal static extern PqxStatus pqx_signer_chain_length(SignerHandle signer, out UIntPtr length);
        [DllImport(Lib)] internal static extern void pqx_signer_free(IntPtr signer);
        [DllImport(Lib)] internal static extern PqxStatus pqx_signer_from_callback(IntPtr[] chainDer, UIntPtr[] chainLens, UIntPtr chainLen, uint keyBits, SignCallback callback, IntPtr userData, out SignerHandle signer);

        /// <summary><c>pqx_sign_callback</c>: signs a digest; 0 is success.</summary>
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate int SignCallback(IntPtr userData, int algorithm, IntPtr digest, UIntPtr digestLen, IntPtr signature, ref UIntPtr signatureLen);

        // ---- trust policies
        [DllImport(Lib)] internal static extern PqxStatus pqx_trust_policy_new(out TrustPolicyHandle policy);
        [DllImport(Lib)] internal static extern PqxStatus pqx_trust_policy_add_anchors(TrustPolicyHandle policy, byte[] data, UIntPtr len);
        [DllImport(Lib)] internal static extern PqxStatus pqx_trust_policy_add_anchors_path(TrustPolicyHandle policy, byte[] path);
        [DllImport(Lib)] internal static extern PqxStatus pqx_trust_policy_pin_thumbprint(TrustPolicyHandle policy, byte[] thumbprint);
        [DllImport(Lib)] internal static extern PqxStatus pqx_trust_policy_distrust_thumbprint(TrustPolicyHandle policy, byte[] thumbprint);
        [DllImport(Lib)] internal static extern void pqx_trust_policy_free(IntPtr policy);

        // ---- verification and reports
        [DllImport(Lib)] internal static extern PqxStatus pqx_verify(PackageHandle package, TrustPolicyHandle policy, out ReportHandle report);
        [DllImport(Lib, EntryPoint = "pqx_verify")] internal static extern PqxStatus pqx_verify_no_policy(PackageHandle package, IntPtr policy, out ReportHandle report);
        [DllImport(Lib)] internal static extern PqxStatus pqx_report_to_json(ReportHandle report, out IntPtr json);
        [DllImport(Lib)] internal static extern PqxStatus pqx_report_to_text(ReportHandle report, out IntPtr text);
        [DllImport(Lib)] internal static extern PqxStatus pqx_report_signature_status(ReportHandle report, out int status);
        [DllImport(Lib)] internal static extern PqxStatus pqx_report_is_valid(ReportHandle report, [MarshalAs(UnmanagedType.U1)] out bool valid);
        [DllImport(Lib)] internal static extern PqxStatus pqx_report_is_trusted(ReportHandle report, [MarshalAs(UnmanagedType.U1)] out bool trusted);
        [DllImport(Lib)] internal static extern PqxStatus pqx_report_check(ReportHandle report);
        [DllImport(Lib)] internal static extern PqxStatus pqx_report_signature_count(ReportHandle report, out UIntPtr count);
        [DllImport(Lib)] internal static extern PqxStatus pqx_report_signature_status_at(ReportHandle report, UIntPtr index, out int status);
        [DllImport(Lib)] internal static extern PqxStatus pqx_report_signature_thumbprint(ReportHandle report, UIntPtr index, out IntPtr thumbprint);
        [DllImport(Lib)] internal static extern PqxStatus pqx_report_signature_reason(ReportHandle report, UIntPtr index, out IntPtr reason);
        [DllImport(Lib)] internal static extern PqxStatus pqx_report_signature_is_countersignature(ReportHandle report, UIntPtr index, [MarshalAs(UnmanagedType.U1)] out bool countersignature);
        [DllImport(Lib)] internal static extern PqxStatus pqx_report_certificate_count(ReportHandle report, out UIntPtr count);
        [DllImport(Lib)] internal static extern PqxStatus pqx_report_certificate_parent(ReportHandle report, UIntPtr index, out IntPtr parent);
        [DllImport(Lib)] internal static extern PqxStatus pqx_report_certificate_is_valid(ReportHandle report, UIntPtr index, [MarshalAs(UnmanagedType.U1)] out bool valid);
        [DllImport(Lib)] internal static extern PqxStatus pqx_report_certificate_thumbprint(ReportHandle report, UIntPtr index, out IntPtr value);
        [DllImport(Lib)] internal static extern PqxStatus pqx_report_certificate_subject(ReportHandle report, UIntPtr index, out IntPtr value);
        [DllImport(Lib)] internal static extern PqxStatus pqx_report_certificate_issuer(ReportHandle report, UIntPtr index, out IntPtr value);
        [DllImport(Lib)] internal static extern PqxStatus pqx_report_certificate_not_before(ReportHandle report, UIntPtr index, out IntPtr value);
        [DllImport(Lib)] internal static extern PqxStatus pqx_report_certificate_not_after(ReportHandle report, UIntPtr index, out IntPtr value);
        [DllImport(Lib)] internal static extern PqxStatus pqx_report_certificate_status(ReportHandle report, UIntPtr index, out IntPtr value);
        [DllImport(Lib)] internal static extern void pqx_report_free(IntPtr report);

        // ---- helpers

        /// <summary>Throws <see cref="PqxException"/> for anything but <see cref="PqxStatus.Ok"/>.</summary>
        internal static void Check(PqxStatus status)
        {
            if (status != PqxStatus.Ok)
            {
                throw new PqxException(status, StaticString(pqx_last_error_message()), StaticString(pqx_last_error_hint()));
            }
        }

        /// <summary>NUL-terminated UTF-8 for a string argument (<c>null</c> stays NULL).</summary>
        internal static byte[] Utf8(string s)
        {
            if (s == null)
            {
                return null;
            }
            var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
            Encoding.UTF8.GetBytes(s, 0, s.Length, bytes, 0);
            return bytes;
        }

        /// <summary>Reads a NUL-terminated UTF-8 string the library keeps (never freed).</summary>
        internal static string StaticString(IntPtr p)
        {
            if (p == IntPtr.Zero)
            {
                return null;
            }
            int len = 0;
            while (Marshal.ReadByte(p, len) != 0)
            {
                len++;
            }
            var bytes = new byte[len];
            Marshal.Copy(p, bytes, 0, len);
            return Encoding.UTF8.GetString(bytes);
        }

        /// <summary>Reads a string the library returned and frees it.</summary>
        internal static string TakeString(IntPtr p)
        {
            try
            {
                return StaticString(p);
            }
            finally
            {
                pqx_string_free(p);
            }
        }

        /// <summary>Copies a library-owned buffer into a managed array and frees it.</summary>
        internal static byte[] TakeBuffer(ref NativeBuffer buffer)
        {
            try
            {
                var bytes = new byte[checked((int)buffer.Len.ToUInt64())];
                if (bytes.Length > 0)
                {
                    Marshal.Copy(buffer.Data, bytes, 0, bytes.Length);
                }
                return bytes;
            }
            finally
            {
                pqx_buffer_free(ref buffer);
            }
        }

        internal static UIntPtr Len(byte[] data)
        {
            return new UIntPtr((ulong)data.Length);
        }

        internal static T NotNull<T>(T value, string name) where T : class
        {
            if (value == null)
            {
                throw new ArgumentNullException(name);
            }
            return value;
        }
    }
}
