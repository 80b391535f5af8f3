using System;
using System.Collections.Generic;

namespace Pqx
{
    /// <summary>
    /// A Power Query signed connector package (<c>.pqx</c>) held in memory: open, pack, sign,
    /// verify, save. Immutable: signing returns a new package. Dispose it to free native memory.
    /// </summary>
    public sealed class PqxPackage : IDisposable
    {
        private readonly PackageHandle handle;

        private PqxPackage(PackageHandle handle)
        {
            this.handle = handle;
        }

        /// <summary>Opens the <c>.pqx</c> file at <paramref name="path"/>.</summary>
        /// <exception cref="PqxException">The file cannot be read or is not an OPC package.</exception>
        public static PqxPackage Open(string path)
        {
            PackageHandle h;
            Native.Check(Native.pqx_package_open_path(Native.Utf8(Native.NotNull(path, "path")), out h));
            return new PqxPackage(h);
        }

        /// <summary>Opens a <c>.pqx</c> held in memory (the bytes are copied).</summary>
        public static PqxPackage FromBytes(byte[] data)
        {
            Native.NotNull(data, "data");
            PackageHandle h;
            Native.Check(Native.pqx_package_open_buffer(data, Native.Len(data), out h));
            return new PqxPackage(h);
        }

        /// <summary>Packs the connector (<c>.mez</c>) at <paramref name="mezPath"/> into an unsigned package.</summary>
        public static PqxPackage Pack(string mezPath)
        {
            PackageHandle h;
            Native.Check(Native.pqx_package_pack_path(Native.Utf8(Native.NotNull(mezPath, "mezPath")), out h));
            return new PqxPackage(h);
        }

        /// <summary>Packs a connector (<c>.mez</c>) held in memory into an unsigned package.</summary>
        public static PqxPackage Pack(byte[] mez)
        {
            Native.NotNull(mez, "mez");
            PackageHandle h;
            Native.Check(Native.pqx_package_pack_buffer(mez, Native.Len(mez), out h));
            return new PqxPackage(h);
        }

        /// <summary>The package's bytes.</summary>
        public byte[] ToArray()
        {
            NativeBuffer b;
            Native.Check(Native.pqx_package_to_buffer(handle, out b));
            return Native.TakeBuffer(ref b);
        }

        /// <summary>Writes the package to <paramref name="path"/> atomically (temporary file + rename).</summary>
        public void Save(string path)
        {
            Native.Check(Native.pqx_package_write_path(handle, Native.Utf8(Native.NotNull(path, "path"))));
        }

        /// <summary>Paths of the package's entries (<c>HelloWorld.pq</c>, ..., OPC machinery included).</summary>
        public IReadOnlyList<string> Entries
        {
            get
            {
                UIntPtr count;
                Native.Check(Native.pqx_package_entry_count(handle, out count));
                var names = new List<string>();
                for (ulong i = 0; i < count.ToUInt64(); i++)
                {
                    IntPtr s;
                    Native.Check(Native.pqx_package_entry_name(handle, new UIntPtr(i), out s));
                    names.Add(Native.TakeString(s));
                }
                return names;
            }
        }

        /// <summary>What <c>pqx inspect --json</c> shows about this package.</summary>
        public string InspectJson()
        {
            IntPtr s;
            Native.Check(Native.pqx_package_inspect_json(handle, out s));
            return Native.TakeString(s);
        }

        /// <summary>
        /// Signs with <paramref name="signer"/> and returns the signed package; this one is
        /// unchanged. <see cref="SignMode.Auto"/> signs an unsigned package and countersigns a
        /// signed one; <see cref="SignMode.Replace"/> drops existing signatures first.
        /// </summary>
        /// <exception cref="PqxException"><see cref="PqxStatus.SigningPolicy"/> for a key pqx refuses.</exception>
        public PqxPackage Sign(PqxSigner signer, SignMode mode = SignMode.Auto, DigestAlgorithm digest = DigestAlgorithm.Sha256)
        {
            Native.NotNull(signer, "signer");
            PackageHandle h;
            signer.CheckSigned(Native.pqx_sign(handle, signer.Handle, (int)mode, (int)digest, out h));
            return new PqxPackage(h);
        }

        /// <summary>Like <see cref="Sign"/>, returning the signed package's bytes.</summary>
        public byte[] SignToArray(PqxSigner signer, SignMode mode = SignMode.Auto, DigestAlgorithm digest = DigestAlgorithm.Sha256)
        {
            Native.NotNull(signer, "signer");
            NativeBuffer b;
            signer.CheckSigned(Native.pqx_sign_to_buffer(handle, signer.Handle, (int)mode, (int)digest, out b));
            return Native.TakeBuffer(ref b);
        }

        /// <summary>Like <see cref="Sign"/>, writing the signed package to <paramref name="path"/> atomically.</summary>
        public void SignToFile(PqxSigner signer, string path, SignMode mode = SignMode.Auto, DigestAlgorithm digest = DigestAlgorithm.Sha256)
        {
            Native.NotNull(signer, "signer");
            signer.CheckSigned(Native.pqx_sign_to_path(handle, signer.Handle, (int)mode, (int)digest, Native.Utf8(Native.NotNull(path, "path"))));
        }

        /// <summary>
        /// Verifies every signature against <paramref name="policy"/> (null: trust nothing, so
        /// chains end in <c>UntrustedRoot</c> as in MakePQX on a machine without the root).
        /// A tampered or unsigned package is not an exception: see the report's
        /// <see cref="VerificationReport.SignatureStatus"/>, or call
        /// <see cref="VerificationReport.EnsureValid"/>.
        /// </summary>
        public VerificationReport Verify(TrustPolicy policy = null)
        {
            ReportHandle r;
            if (policy == null)
            {
                Native.Check(Native.pqx_verify_no_policy(handle, IntPtr.Zero, out r));
            }
            else
            {
                Native.Check(Native.pqx_verify(handle, policy.Handle, out r));
            }
            return new VerificationReport(r);
        }

        /// <summary>Frees the native package.</summary>
        public void Dispose()
        {
            handle.Dispose();
        }
    }
}
