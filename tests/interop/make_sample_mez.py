#!/usr/bin/env python3
"""Writes a small, realistic Power Query connector .mez (a plain ZIP), deterministically.

  make_sample_mez.py OUT.mez [--name HelloWorld] [--legacy-m]

Contents: <Name>.pq section document ([Version = "1.0.0"]), Helpers.pqm module,
resources.resx, and PNG icons <Name>16/20/24/32/40/48/64.png (a connector the
certification check passes). --legacy-m names the
section document <Name>.m as older SDKs did.
"""
import argparse
import struct
import sys
import zipfile
import zlib

SECTION = '''\ufeff[Version = "1.0.0"]
section {name};

// Loads the helper module that is packed beside this file.
Extension.LoadFunction = (fileName as text) =>
    let
        binary = Extension.Contents(fileName),
        asText = Text.FromBinary(binary)
    in
        Expression.Evaluate(asText, #shared);

Helpers = Extension.LoadFunction("Helpers.pqm");

[DataSource.Kind="{name}", Publish="{name}.Publish"]
shared {name}.Contents = Value.ReplaceType({name}Impl, {name}Type);

{name}Type = type function (optional message as (type text meta [
        Documentation.FieldCaption = "Message",
        Documentation.SampleValues = {{"Hello"}}
    ])) as text meta [
        Documentation.Name = "{name}",
        Documentation.LongDescription = "Returns a greeting."
    ];

{name}Impl = (optional message as text) as text =>
    let
        _message = if (message <> null) then message else "(no message)",
        a = "Hello from {name}: " & _message
    in
        Helpers.Greet(a);

// Data Source Kind description
{name} = [
    TestConnection = (dataSourcePath) => {{ "{name}.Contents" }},
    Authentication = [
        Anonymous = []
    ],
    Label = Extension.LoadString("DataSourceLabel")
];

// Data Source UI publishing description
{name}.Publish = [
    Beta = true,
    Category = "Other",
    ButtonText = {{ Extension.LoadString("ButtonTitle"), Extension.LoadString("ButtonHelp") }},
    LearnMoreUrl = "https://example.invalid/{name}",
    SourceImage = {name}.Icons,
    SourceTypeImage = {name}.Icons
];

{name}.Icons = [
    Icon16 = {{ Extension.Contents("{name}16.png"), Extension.Contents("{name}20.png"), Extension.Contents("{name}24.png"), Extension.Contents("{name}32.png") }},
    Icon32 = {{ Extension.Contents("{name}32.png"), Extension.Contents("{name}40.png"), Extension.Contents("{name}48.png"), Extension.Contents("{name}64.png") }}
];
'''

MODULE = '''[
    Greet = (s as text) as text => Text.Combine({"«", s, "»"}),
    Version = "1.0.0"
]
'''

RESX = '''<?xml version="1.0" encoding="utf-8"?>
<root>
  <resheader name="resmimetype">
    <value>text/microsoft-resx</value>
  </resheader>
  <resheader name="version">
    <value>2.0</value>
  </resheader>
  <resheader name="reader">
    <value>System.Resources.ResXResourceReader, System.Windows.Forms, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089</value>
  </resheader>
  <resheader name="writer">
    <value>System.Resources.ResXResourceWriter, System.Windows.Forms, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089</value>
  </resheader>
  <data name="ButtonHelp" xml:space="preserve">
    <value>Connect to {name}</value>
  </data>
  <data name="ButtonTitle" xml:space="preserve">
    <value>{name}</value>
  </data>
  <data name="DataSourceLabel" xml:space="preserve">
    <value>{name} (test connector)</value>
  </data>
</root>
'''


def png(size, rgb):
    """A minimal valid RGB PNG: size x size, one colour with a darker diagonal."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    rows = bytearray()
    for y in range(size):
        rows.append(0)
        for x in range(size):
            rows += bytes(c // 2 for c in rgb) if x == y else bytes(rgb)
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
            + chunk(b"IEND", b""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--name", default="HelloWorld")
    ap.add_argument("--legacy-m", action="store_true")
    a = ap.parse_args()
    n = a.name
    files = [
        (f"{n}.m" if a.legacy_m else f"{n}.pq", SECTION.format(name=n).encode("utf-8")),
        ("Helpers.pqm", MODULE.encode("utf-8")),
        ("resources.resx", RESX.format(name=n).encode("utf-8")),
    ]
    for size in (16, 20, 24, 32, 40, 48, 64):
        files.append((f"{n}{size}.png", png(size, (0x1e, 0x90, 0xff))))
    with zipfile.ZipFile(a.out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            zi = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            z.writestr(zi, data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
