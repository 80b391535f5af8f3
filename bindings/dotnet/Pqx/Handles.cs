using System;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Pqx
{
    // One SafeHandle per opaque C handle: the runtime frees the native object exactly once,
    // even if the owner is never disposed, and never while a P/Invoke call is using it.

    /// <summary>Owns a <c>pqx_package*</c>.</summary>
    public sealed class PackageHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        /// <summary>Used by the marshaller.</summary>
        public PackageHandle() : base(true) { }

        /// <inheritdoc/>
        protected override bool ReleaseHandle()
        {
            Native.pqx_package_free(handle);
            return true;
        }
    }

    /// <summary>Owns a <c>pqx_signer*</c> (and so the private key in native memory).</summary>
    public sealed class SignerHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        /// <summary>Used by the marshaller.</summary>
        public SignerHandle() : base(true) { }

        /// <summary>
        /// For a callback signer (<see cref="PqxSigner.FromRsa"/>): the GCHandle passed as the
        /// callback's <c>user_data</c>, freed only after the native signer is, so the callback
        /// never sees a collected object.
        /// </summary>
        internal GCHandle CallbackState;

        /// <inheritdoc/>
        protected override bool ReleaseHandle()
        {
            Native.pqx_signer_free(handle);
            if (CallbackState.IsAllocated)
            {
                CallbackState.Free();
            }
            return true;
        }
    }

    /// <summary>Owns a <c>pqx_trust_policy*</c>.</summary>
    public sealed class TrustPolicyHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        /// <summary>Used by the marshaller.</summary>
        public TrustPolicyHandle() : base(true) { }

        /// <inheritdoc/>
        protected override bool ReleaseHandle()
        {
            Native.pqx_trust_policy_free(handle);
            return true;
        }
    }

    /// <summary>Owns a <c>pqx_report*</c>.</summary>
    public sealed class ReportHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        /// <summary>Used by the marshaller.</summary>
        public ReportHandle() : base(true) { }

        /// <inheritdoc/>
        protected override bool ReleaseHandle()
        {
            Native.pqx_report_free(handle);
            return true;
        }
    }
}
