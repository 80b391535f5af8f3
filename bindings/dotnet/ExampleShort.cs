// Sign a .pqx with a .pfx and print the verification report (MakePQX's JSON).
using System;
using Pqx;

static class ExampleShort
{
    static int Main(string[] args) // ExampleShort IN.pqx KEY.pfx PASSWORD OUT.pqx
    {
        using (var package = PqxPackage.Open(args[0]))
        using (var signer = PqxSigner.FromPkcs12File(args[1], args[2]))
        using (var signed = package.Sign(signer))
        using (var report = signed.Verify())
        {
            signed.Save(args[3]);
            Console.WriteLine(report.ToJson());
            return report.IsValid ? 0 : 1;
        }
    }
}
