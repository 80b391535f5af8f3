#!/usr/bin/env python3
"""Small package utilities for the interop tests (independent of pqx).

  pkg_tool.py pack IN.mez OUT.pqx          minimal unsigned OPC package (self-test input only)
  pkg_tool.py flip IN OUT PART [OFFSET]    flip one bit of a part's bytes (default: middle)
  pkg_tool.py set-ct IN OUT PART CT        give PART the content type CT (Override)
  pkg_tool.py add-rel IN OUT TYPE TARGET   add a package relationship (root .rels)
  pkg_tool.py add-part IN OUT PART TEXT   add a part (its extension must have a Default)
  pkg_tool.py tamper-sig IN OUT PART value|object
                                          change one base64 char of SignatureValue, or one
                                          digit of the signing time inside the package Object
  pkg_tool.py doctype IN OUT PART         insert a DOCTYPE with an entity into an XML part
  pkg_tool.py root-types IN               print the relationship types of /_rels/.rels
  pkg_tool.py extract IN PART OUTFILE      write a part's bytes to a file
  pkg_tool.py list IN                      print the part names
  pkg_tool.py check IN                     zip CRCs ok, no duplicate names (case-insensitive),
                                           [Content_Types].xml covers every part
"""
import posixpath
import sys
import zipfile

from lxml import etree

NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
NS_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"



def extension(name):
    """OPC extension: text after the last '.' of the last segment ('/_rels/.rels' -> 'rels')."""
    last = name.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[1] if "." in last else ""

def read(path):
    with zipfile.ZipFile(path) as z:
        return [(zi.filename, z.read(zi)) for zi in z.infolist() if not zi.is_dir()]


def write(path, entries):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            zi = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            z.writestr(zi, data)


def find(entries, part):
    name = part.lstrip("/")
    for i, (n, _) in enumerate(entries):
        if n.lower() == name.lower():
            return i
    sys.exit(f"pkg_tool: no part {part}")


def parser():
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def content_types(entries):
    root = etree.fromstring(entries[find(entries, "[Content_Types].xml")][1], parser())
    d = {el.get("Extension").lower(): el.get("ContentType") for el in root if el.tag == f"{{{NS_CT}}}Default"}
    o = {el.get("PartName").lower(): el.get("ContentType") for el in root if el.tag == f"{{{NS_CT}}}Override"}
    return root, d, o


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "pack":
        src, out = argv[2], argv[3]
        files = read(src)
        exts = sorted({extension(n).lower() for n, _ in files})
        ct = [f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>']
        for e in exts:
            if e != "rels":
                ct.append(f'<Default Extension="{e}" ContentType="application/octet-stream"/>')
        cts = (f'<?xml version="1.0" encoding="utf-8"?><Types xmlns="{NS_CT}">' + "".join(ct)
               + "</Types>").encode()
        rels = (f'<?xml version="1.0" encoding="utf-8"?>\n<Relationships xmlns="{NS_RELS}">\n'
                f'  <Relationship Id="rIdSection" Type="http://example.invalid/pqx-test/section-document"'
                f' Target="/{files[0][0]}"/>\n</Relationships>\n').encode()
        write(out, [("[Content_Types].xml", cts), ("_rels/.rels", rels)] + files)
    elif cmd == "flip":
        src, out, part = argv[2:5]
        entries = read(src)
        i = find(entries, part)
        data = bytearray(entries[i][1])
        off = int(argv[5]) if len(argv) > 5 else len(data) // 2
        data[off] ^= 0x01
        entries[i] = (entries[i][0], bytes(data))
        write(out, entries)
    elif cmd == "set-ct":
        src, out, part, ct = argv[2:6]
        entries = read(src)
        i = find(entries, "[Content_Types].xml")
        root, _, _ = content_types(entries)
        for el in list(root):
            if el.tag == f"{{{NS_CT}}}Override" and el.get("PartName").lower() == part.lower():
                root.remove(el)
        etree.SubElement(root, f"{{{NS_CT}}}Override", PartName=part, ContentType=ct)
        entries[i] = (entries[i][0], etree.tostring(root, xml_declaration=True, encoding="utf-8"))
        write(out, entries)
    elif cmd == "add-rel":
        src, out, rtype, target = argv[2:6]
        entries = read(src)
        i = find(entries, "_rels/.rels")
        root = etree.fromstring(entries[i][1], parser())
        etree.SubElement(root, f"{{{NS_RELS}}}Relationship", Id="rIdAddedByTest", Type=rtype, Target=target)
        entries[i] = (entries[i][0], etree.tostring(root, xml_declaration=True, encoding="utf-8"))
        write(out, entries)
    elif cmd == "add-part":
        src, out, part, text = argv[2:6]
        entries = read(src)
        entries.append((part.lstrip("/"), text.encode("utf-8")))
        write(out, entries)
    elif cmd == "tamper-sig":
        src, out, part, what = argv[2:6]
        entries = read(src)
        i = find(entries, part)
        data = bytearray(entries[i][1])
        if what == "value":
            pos = data.index(b"SignatureValue") + 40
            while data[pos:pos + 1] in (b">", b"<"):
                pos += 1
            data[pos] = ord("A") if data[pos] != ord("A") else ord("B")
        else:
            pos = data.index(b"SignatureTime")
            pos = data.index(b"Value>", pos) + len("Value>")
            data[pos + 3] = ord("0") + (data[pos + 3] - ord("0") + 1) % 10
        entries[i] = (entries[i][0], bytes(data))
        write(out, entries)
    elif cmd == "doctype":
        src, out, part = argv[2:5]
        entries = read(src)
        i = find(entries, part)
        data = entries[i][1]
        start = data.find(b"?>") + 2 if data.lstrip(b"\xef\xbb\xbf").startswith(b"<?xml") else 0
        dt = b'<!DOCTYPE Signature [<!ENTITY x "y">]>'
        entries[i] = (entries[i][0], data[:start] + dt + data[start:])
        write(out, entries)
    elif cmd == "root-types":
        entries = read(argv[2])
        root = etree.fromstring(entries[find(entries, "_rels/.rels")][1], parser())
        for el in root:
            if el.tag == f"{{{NS_RELS}}}Relationship":
                print(el.get("Type"))
    elif cmd == "extract":
        src, part, out = argv[2:5]
        entries = read(src)
        with open(out, "wb") as f:
            f.write(entries[find(entries, part)][1])
    elif cmd == "list":
        for n, _ in read(argv[2]):
            print("/" + n)
    elif cmd == "check":
        with zipfile.ZipFile(argv[2]) as z:
            bad = z.testzip()
            if bad:
                sys.exit(f"bad CRC in {bad}")
        entries = read(argv[2])
        seen = set()
        for n, _ in entries:
            if n.lower() in seen:
                sys.exit(f"duplicate part name {n}")
            seen.add(n.lower())
        _, d, o = content_types(entries)
        for n, _ in entries:
            if n == "[Content_Types].xml":
                continue
            if ("/" + n).lower() not in o and extension(n).lower() not in d:
                sys.exit(f"part /{n} has no content type")
        print(f"ok {len(entries)} entries")
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
