#!/usr/bin/env python3
"""Independent OPC (ECMA-376 Part 2) package signer, written for pqx's interop tests.

It is deliberately NOT derived from pqx's Rust code: it follows the public description of
.NET's System.IO.Packaging.PackageDigitalSignatureManager (see docs in the brief:
pqx-format.md / opc-dotnet-notes.md) and writes the signature XML byte-for-byte the way
.NET's XmlTextWriter does (UTF-8 BOM, standalone="yes" declaration, no whitespace,
`<X a="v" />` empty elements, namespace declarations after the other attributes, the
SignatureTime element with its own default xmlns, the `opc` prefix declared on Manifest).
That XML is NOT in canonical form, so a verifier that does not canonicalize fails on it.

The canonical forms that are hashed/signed are produced by a small hand-written C14N
serializer over the same element tree (see `Node.c14n`), and cross-checked against lxml's
C14N (serialize, re-parse, canonicalize) before the file is written.

Usage:
  opc_sign.py IN.pqx OUT.pqx --key key.pem --cert cert.pem [--chain more.pem]
              [--digest sha1|sha256|sha384|sha512] [--dotnet-style] [--cert-part]
              [--countersign] [--ct-style default|override] [--time ISO] [--guid HEX32]

Modes:
  (default)      sign every non-signature part (raw bytes) + every relationships part
                 (RelationshipTransform with one RelationshipsGroupReference SourceType=
                 per relationship type, then C14N); certificate(s) in KeyInfo/X509Data.
  --dotnet-style KeyInfo exactly as .NET's CertificateEmbeddingOption.InSignaturePart
                 writes it: KeyName (subject), KeyValue/RSAKeyValue, X509Data.
  --cert-part    .NET's default CertificateEmbeddingOption.InCertificatePart: no KeyInfo;
                 the signer certificate is a part
                 /package/services/digital-signature/certificate/<SERIAL>.cer related from
                 the signature part's rels.
  --countersign  a new signature whose Manifest references every existing .psdsxs part
                 (C14N transform), like PackageDigitalSignatureManager.Countersign().
"""
import argparse
import base64
import datetime
import hashlib
import io
import posixpath
import sys
import uuid
import zipfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

NS_DSIG = "http://www.w3.org/2000/09/xmldsig#"
NS_OPC_DSIG = "http://schemas.openxmlformats.org/package/2006/digital-signature"
NS_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N_WC = C14N + "#WithComments"
REL_TRANSFORM = "http://schemas.openxmlformats.org/package/2006/RelationshipTransform"
RT_ORIGIN = "http://schemas.openxmlformats.org/package/2006/relationships/digital-signature/origin"
RT_SIGNATURE = "http://schemas.openxmlformats.org/package/2006/relationships/digital-signature/signature"
RT_CERT = "http://schemas.openxmlformats.org/package/2006/relationships/digital-signature/certificate"
CT_ORIGIN = "application/vnd.openxmlformats-package.digital-signature-origin"
CT_XMLSIG = "application/vnd.openxmlformats-package.digital-signature-xmlsignature+xml"
CT_CERT = "application/vnd.openxmlformats-package.digital-signature-certificate"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"
DS_DIR = "/package/services/digital-signature"
ORIGIN_NAME = DS_DIR + "/origin.psdsor"
SIG_DIR = DS_DIR + "/xml-signature"
CERT_DIR = DS_DIR + "/certificate"

DIGESTS = {
    # name: (DigestMethod URI, SignatureMethod URI, hashlib name, cryptography hash)
    "sha1": ("http://www.w3.org/2000/09/xmldsig#sha1",
             "http://www.w3.org/2000/09/xmldsig#rsa-sha1", "sha1", hashes.SHA1),
    "sha256": ("http://www.w3.org/2001/04/xmlenc#sha256",
               "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "sha256", hashes.SHA256),
    "sha384": ("http://www.w3.org/2001/04/xmldsig-more#sha384",
               "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384", "sha384", hashes.SHA384),
    "sha512": ("http://www.w3.org/2001/04/xmlenc#sha512",
               "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512", "sha512", hashes.SHA512),
}



def extension(name):
    """OPC extension: text after the last '.' of the last segment ('/_rels/.rels' -> 'rels')."""
    last = name.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[1] if "." in last else ""

class SignError(Exception):
    pass


# ---------------------------------------------------------------------------------------
# A tiny element model with two serializers: .NET XmlTextWriter style and C14N 1.0.
# Namespaces are handled explicitly: `ns` is the element's namespace URI, `prefix` the
# prefix it is written with ("" = default namespace), `decls` the namespace declarations
# written on it as attributes (prefix -> uri), in writing order.
# ---------------------------------------------------------------------------------------
def _esc_text_dotnet(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _esc_attr_dotnet(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _esc_text_c14n(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#xD;"))


def _esc_attr_c14n(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
            .replace("\t", "&#x9;").replace("\n", "&#xA;").replace("\r", "&#xD;"))


class Node:
    def __init__(self, local, ns, prefix="", attrs=None, decls=None, text=None, children=None):
        self.local = local
        self.ns = ns
        self.prefix = prefix
        self.attrs = list(attrs or [])      # [(name, value)] unqualified attributes, in order
        self.decls = list(decls or [])      # [(prefix, uri)] explicit xmlns declarations
        self.text = text
        self.children = list(children or [])

    def add(self, *nodes):
        self.children.extend(nodes)
        return self

    @property
    def qname(self):
        return f"{self.prefix}:{self.local}" if self.prefix else self.local

    # .NET XmlTextWriter writing an XmlElement: explicit attributes (xmlns:* that are real
    # DOM attributes included, in DOM order), then the declaration the writer adds itself
    # for the element's own namespace if it is not in scope yet.
    def dotnet(self, scope=None):
        scope = dict(scope or {})
        out = ["<", self.qname]
        for name, value in self.attrs:
            out.append(f' {name}="{_esc_attr_dotnet(value)}"')
        for p, uri in self.decls:
            scope[p] = uri
            out.append(f' {"xmlns:" + p if p else "xmlns"}="{_esc_attr_dotnet(uri)}"')
        if scope.get(self.prefix) != self.ns:
            scope[self.prefix] = self.ns
            out.append(f' {"xmlns:" + self.prefix if self.prefix else "xmlns"}="{_esc_attr_dotnet(self.ns)}"')
        if self.text is None and not self.children:
            out.append(" />")
            return "".join(out)
        out.append(">")
        if self.text is not None:
            out.append(_esc_text_dotnet(self.text))
        for c in self.children:
            out.append(c.dotnet(scope))
        out.append(f"</{self.qname}>")
        return "".join(out)

    def _declared(self, inherited):
        scope = dict(inherited)
        for p, uri in self.decls:
            scope[p] = uri
        if scope.get(self.prefix) != self.ns:
            scope[self.prefix] = self.ns
        return scope

    # Inclusive C14N 1.0 without comments. `rendered` = namespaces already output by
    # ancestors in the canonical form, `inscope` = namespaces in scope in the source document
    # (for the apex of a document subset, all in-scope namespaces get rendered on it).
    def c14n(self, inscope=None, rendered=None):
        inscope = self._declared(inscope or {})
        rendered = dict(rendered or {})
        new = []
        for p, uri in inscope.items():
            if rendered.get(p, "" if p == "" else None) != uri:
                new.append((p, uri))
        new.sort(key=lambda pu: (pu[0] != "", pu[0]))
        out = ["<", self.qname]
        for p, uri in new:
            rendered[p] = uri
            out.append(f' {"xmlns:" + p if p else "xmlns"}="{_esc_attr_c14n(uri)}"')
        for name, value in sorted(self.attrs):
            out.append(f' {name}="{_esc_attr_c14n(value)}"')
        out.append(">")
        if self.text is not None:
            out.append(_esc_text_c14n(self.text))
        for c in self.children:
            out.append(c.c14n(inscope, rendered))
        out.append(f"</{self.qname}>")
        return "".join(out)


def ds(local, attrs=None, text=None, children=None, decls=None):
    return Node(local, NS_DSIG, "", attrs, decls, text, children)


def lxml_detached_c14n(xml_bytes, xpath):
    """Reference C14N using lxml (serialize the element, parse again, canonicalize)."""
    doc = etree.fromstring(xml_bytes, etree.XMLParser(resolve_entities=False, no_network=True))
    el = doc.xpath(xpath, namespaces={"ds": NS_DSIG})
    if len(el) != 1:
        raise SignError(f"self-check: {xpath} matched {len(el)} elements")
    again = etree.fromstring(etree.tostring(el[0]))
    return etree.tostring(again, method="c14n", exclusive=False, with_comments=False)


# ---------------------------------------------------------------------------------------
# Package model
# ---------------------------------------------------------------------------------------
class Package:
    def __init__(self, path):
        self.order = []        # zip entry names in original order
        self.data = {}         # entry name -> bytes
        self.info = {}         # entry name -> ZipInfo (for compression type)
        with zipfile.ZipFile(path) as z:
            for zi in z.infolist():
                if zi.is_dir():
                    continue
                if zi.filename in self.data:
                    raise SignError(f"duplicate zip entry {zi.filename}")
                self.order.append(zi.filename)
                self.data[zi.filename] = z.read(zi)
                self.info[zi.filename] = zi
        if "[Content_Types].xml" not in self.data:
            raise SignError("no [Content_Types].xml")
        self.defaults = []     # [(ext, ct)]
        self.overrides = []    # [(partname, ct)]
        root = etree.fromstring(self.data["[Content_Types].xml"], safe_parser())
        for el in root:
            if not isinstance(el.tag, str):
                continue
            if el.tag == f"{{{NS_CT}}}Default":
                self.defaults.append((el.get("Extension"), el.get("ContentType")))
            elif el.tag == f"{{{NS_CT}}}Override":
                self.overrides.append((el.get("PartName"), el.get("ContentType")))
        self.ct_dirty = False

    # part names are "/" + zip entry name (the packages here are ASCII-named)
    def parts(self):
        return ["/" + n for n in self.order if n != "[Content_Types].xml"]

    def exists(self, part):
        return part.lstrip("/") in self.data

    def get(self, part):
        return self.data[part.lstrip("/")]

    def put(self, part, data):
        name = part.lstrip("/")
        if name not in self.data:
            self.order.append(name)
        self.data[name] = data

    def content_type(self, part):
        for pn, ct in self.overrides:
            if pn.lower() == part.lower():
                return ct
        ext = extension(part).lower()
        for e, ct in self.defaults:
            if e.lower() == ext:
                return ct
        raise SignError(f"part {part} has no content type")

    def set_content_type(self, part, ct, style):
        ext = extension(part)
        try:
            if self.content_type(part) == ct:
                return
        except SignError:
            pass
        has_default = any(e.lower() == ext.lower() for e, _ in self.defaults)
        if style == "default" and ext and not has_default:
            self.defaults.append((ext, ct))
        else:
            self.overrides = [(p, c) for p, c in self.overrides if p.lower() != part.lower()]
            self.overrides.append((part, ct))
        self.ct_dirty = True

    def write_content_types(self):
        # .NET's ZipPackage writes the content types stream like this (Defaults first).
        root = Node("Types", NS_CT)
        for e, ct in self.defaults:
            root.add(Node("Default", NS_CT, attrs=[("Extension", e), ("ContentType", ct)]))
        for p, ct in self.overrides:
            root.add(Node("Override", NS_CT, attrs=[("PartName", p), ("ContentType", ct)]))
        self.data["[Content_Types].xml"] = (
            b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?>' + root.dotnet().encode("utf-8"))

    def write(self, path):
        if self.ct_dirty:
            self.write_content_types()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name in self.order:
                zi = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
                zi.compress_type = zipfile.ZIP_DEFLATED
                zi.external_attr = 0o644 << 16
                z.writestr(zi, self.data[name])


def safe_parser():
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False)


def rels_part_of(source):
    """Relationships part name of a source part ('/' = package)."""
    if source == "/":
        return "/_rels/.rels"
    d, n = posixpath.split(source)
    return f"{d.rstrip('/')}/_rels/{n}.rels"


def source_of_rels(rels):
    d, n = posixpath.split(rels)
    if not (d.endswith("/_rels") or d == "/_rels") or not n.endswith(".rels"):
        raise SignError(f"{rels} is not a relationships part name")
    parent = d[: -len("_rels")].rstrip("/")
    name = n[: -len(".rels")]
    return "/" if name == "" and parent == "" else f"{parent}/{name}"


def read_rels(pkg, rels_part):
    """[(Id, Type, Target, TargetMode)] as written (TargetMode defaulted to Internal)."""
    if not pkg.exists(rels_part):
        return []
    root = etree.fromstring(pkg.get(rels_part), safe_parser())
    out = []
    for el in root:
        if isinstance(el.tag, str) and el.tag == f"{{{NS_RELS}}}Relationship":
            out.append((el.get("Id"), el.get("Type"), el.get("Target"),
                        el.get("TargetMode") or "Internal"))
    return out


def write_rels(pkg, rels_part, rels):
    # .NET InternalRelationshipCollection writes Type, Target, [TargetMode if External], Id
    root = Node("Relationships", NS_RELS)
    for rid, rtype, target, mode in rels:
        attrs = [("Type", rtype), ("Target", target)]
        if mode == "External":
            attrs.append(("TargetMode", "External"))
        attrs.append(("Id", rid))
        root.add(Node("Relationship", NS_RELS, attrs=attrs))
    pkg.put(rels_part, b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?>' + root.dotnet().encode())


def resolve_target(source, target):
    if target.startswith("/"):
        return posixpath.normpath(target)
    base = "/" if source == "/" else posixpath.dirname(source)
    return posixpath.normpath(posixpath.join(base, target))


def new_rel_id():
    return "R" + uuid.uuid4().hex[:16]


def rels_c14n_for_selection(rels, ids, types):
    """C14N of the <Relationships> element .NET synthesizes for RelationshipTransform.

    Written here directly in canonical form (attributes Id, Target, TargetMode, Type)."""
    chosen = {}
    for r in rels:
        if r[0] in ids or r[1] in types:
            chosen.setdefault(r[0], r)
    out = [f'<Relationships xmlns="{NS_RELS}">']
    for rid in sorted(chosen):     # ordinal sort (code points == UTF-16 units for BMP)
        _, rtype, target, mode = chosen[rid]
        out.append(f'<Relationship Id="{_esc_attr_c14n(rid)}" Target="{_esc_attr_c14n(target)}" '
                   f'TargetMode="{_esc_attr_c14n(mode)}" Type="{_esc_attr_c14n(rtype)}"></Relationship>')
    out.append("</Relationships>")
    return "".join(out).encode("utf-8")


def is_signature_related(pkg, part):
    low = part.lower()
    if low.startswith(DS_DIR + "/") and (low.endswith(".rels") or "/_rels/" in low):
        return True
    if low.endswith(".rels"):
        return False
    return pkg.content_type(part) in (CT_ORIGIN, CT_XMLSIG, CT_CERT)


def find_origin(pkg):
    for rid, rtype, target, mode in read_rels(pkg, "/_rels/.rels"):
        if rtype == RT_ORIGIN:
            if mode == "External":
                raise SignError("external origin relationship")
            return resolve_target("/", target)
    return None


def existing_signatures(pkg, origin):
    out = []
    for rid, rtype, target, mode in read_rels(pkg, rels_part_of(origin)):
        if rtype == RT_SIGNATURE and mode != "External":
            p = resolve_target(origin, target)
            if pkg.exists(p) and pkg.content_type(p) == CT_XMLSIG:
                out.append(p)
    return out


def dotnet_name(name):
    """Distinguished name in .NET's X500DistinguishedName.Name form: 'CN=a, O=b, C=US'."""
    from cryptography.x509.oid import NameOID
    short = {NameOID.COMMON_NAME: "CN", NameOID.ORGANIZATION_NAME: "O",
             NameOID.ORGANIZATIONAL_UNIT_NAME: "OU", NameOID.COUNTRY_NAME: "C",
             NameOID.STATE_OR_PROVINCE_NAME: "S", NameOID.LOCALITY_NAME: "L",
             NameOID.EMAIL_ADDRESS: "E"}
    parts = []
    for rdn in reversed(list(name.rdns)):
        for a in rdn:
            parts.append(f"{short.get(a.oid, a.oid.dotted_string)}={a.value}")
    return ", ".join(parts)


def b64_uint(n):
    return base64.b64encode(n.to_bytes((n.bit_length() + 7) // 8 or 1, "big")).decode()


def serial_hex(cert):
    n = cert.serial_number
    return n.to_bytes((n.bit_length() + 8) // 8, "big").hex().upper()


def dotnet_time(t):
    """.NET pattern yyyy-MM-ddTHH:mm:ss.fzzz (one fractional digit, +hh:mm offset)."""
    off = t.utcoffset() or datetime.timedelta(0)
    mins = int(off.total_seconds() // 60)
    sign = "+" if mins >= 0 else "-"
    mins = abs(mins)
    return (t.strftime("%Y-%m-%dT%H:%M:%S") + f".{t.microsecond // 100000}"
            + f"{sign}{mins // 60:02d}:{mins % 60:02d}")


def load_pem_certs(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificates(f.read())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--key", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--chain", action="append", default=[])
    ap.add_argument("--digest", choices=sorted(DIGESTS), default="sha256")
    ap.add_argument("--dotnet-style", action="store_true",
                    help="KeyInfo = KeyName + KeyValue + X509Data exactly as .NET InSignaturePart")
    ap.add_argument("--cert-part", action="store_true",
                    help="certificate as a certificate part (.NET default) instead of KeyInfo")
    ap.add_argument("--countersign", action="store_true")
    ap.add_argument("--ct-style", choices=["default", "override"], default="default",
                    help="content types for new signature parts: Default by extension or Override")
    ap.add_argument("--time", help="signing time, ISO 8601 with offset (default: now, UTC)")
    ap.add_argument("--guid", help="32 lowercase hex digits for the signature part name")
    a = ap.parse_args(argv)
    try:
        sign(a)
    except SignError as e:
        print(f"opc_sign: {e}", file=sys.stderr)
        return 1
    return 0


def sign(a):
    dm_uri, sm_uri, hname, chash = DIGESTS[a.digest]

    def digest(b):
        return base64.b64encode(hashlib.new(hname, b).digest()).decode()

    with open(a.key, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SignError("only RSA keys are supported")
    certs = load_pem_certs(a.cert)
    leaf = certs[0]
    chain = certs[1:]
    for c in a.chain:
        chain += load_pem_certs(c)
    if leaf.public_key().public_numbers() != key.public_key().public_numbers():
        raise SignError("key does not match certificate")

    pkg = Package(a.input)
    origin = find_origin(pkg)
    if a.countersign:
        if origin is None:
            raise SignError("--countersign: package is not signed")
        to_countersign = existing_signatures(pkg, origin)
        if not to_countersign:
            raise SignError("--countersign: no signature parts")

    # what to sign (computed BEFORE adding the new signature's own parts, as .NET does:
    # the caller collects the part list first)
    part_refs = []      # [(partname, ct, transform-c14n?)]
    rel_groups = []     # [(rels partname, [types])]
    if a.countersign:
        part_refs = [(p, CT_XMLSIG, True) for p in to_countersign]
    else:
        for p in pkg.parts():
            if is_signature_related(pkg, p):
                continue
            if p.lower().endswith(".rels"):
                continue
            part_refs.append((p, pkg.content_type(p), False))

    # 1. origin (+ root relationship) created before hashing
    if origin is None:
        origin = ORIGIN_NAME
        pkg.put(origin, b"")
        pkg.set_content_type(origin, CT_ORIGIN, a.ct_style)
        root_rels = read_rels(pkg, "/_rels/.rels")
        root_rels.append((new_rel_id(), RT_ORIGIN, origin, "Internal"))
        write_rels(pkg, "/_rels/.rels", root_rels)

    # relationship groups: every relationships part that is not signature-related, one
    # SourceType selector per distinct type (in order of first appearance)
    if not a.countersign:
        for p in pkg.parts():
            if p.lower().endswith(".rels") and not is_signature_related(pkg, p):
                types = []
                for r in read_rels(pkg, p):
                    if r[1] not in types:
                        types.append(r[1])
                if types:
                    rel_groups.append((p, types))
        # .NET puts the package relationships last in the usual "sign everything" order
        rel_groups.sort(key=lambda g: g[0] == "/_rels/.rels")

    # 2. signature part name + origin->signature relationship
    guid = a.guid or uuid.uuid4().hex
    sig_part = f"{SIG_DIR}/{guid}.psdsxs"
    if pkg.exists(sig_part):
        raise SignError(f"{sig_part} exists")
    orels_part = rels_part_of(origin)
    orels = read_rels(pkg, orels_part)
    orels.append((new_rel_id(), RT_SIGNATURE, sig_part, "Internal"))
    write_rels(pkg, orels_part, orels)

    # 3. manifest
    manifest = ds("Manifest")
    if rel_groups:
        manifest.decls.append(("opc", NS_OPC_DSIG))
    for p, ct, c14n in part_refs:
        ref = ds("Reference", attrs=[("URI", f"{p}?ContentType={ct}")])
        body = pkg.get(p)
        if c14n:
            ref.add(ds("Transforms", children=[ds("Transform", attrs=[("Algorithm", C14N)])]))
            body = etree.tostring(etree.fromstring(body, safe_parser()).getroottree(),
                                  method="c14n", exclusive=False, with_comments=False)
        ref.add(ds("DigestMethod", attrs=[("Algorithm", dm_uri)]),
                ds("DigestValue", text=digest(body)))
        manifest.add(ref)
    for rels_part, types in rel_groups:
        rt = ds("Transform", attrs=[("Algorithm", REL_TRANSFORM)])
        for t in types:
            rt.add(Node("RelationshipsGroupReference", NS_OPC_DSIG, "opc", attrs=[("SourceType", t)]))
        canon = rels_c14n_for_selection(read_rels(pkg, rels_part), set(), set(types))
        manifest.add(ds("Reference", attrs=[("URI", f"{rels_part}?ContentType={CT_RELS}")], children=[
            ds("Transforms", children=[rt, ds("Transform", attrs=[("Algorithm", C14N)])]),
            ds("DigestMethod", attrs=[("Algorithm", dm_uri)]),
            ds("DigestValue", text=digest(canon))]))
    if not manifest.children:
        raise SignError("nothing to sign")

    if a.time:
        t = datetime.datetime.fromisoformat(a.time)
        if t.tzinfo is None:
            t = t.replace(tzinfo=datetime.timezone.utc)
    else:
        t = datetime.datetime.now(datetime.timezone.utc)
    sigtime = Node("SignatureTime", NS_OPC_DSIG, children=[
        Node("Format", NS_OPC_DSIG, text="YYYY-MM-DDThh:mm:ss.sTZD"),
        Node("Value", NS_OPC_DSIG, text=dotnet_time(t))])
    obj = ds("Object", attrs=[("Id", "idPackageObject")], children=[
        manifest,
        ds("SignatureProperties", children=[
            ds("SignatureProperty", attrs=[("Id", "idSignatureTime"), ("Target", "#SignatureIdValue")],
               children=[sigtime])])])

    dsig_scope = {"": NS_DSIG}
    obj_c14n = obj.c14n(dsig_scope).encode("utf-8")
    signed_info = ds("SignedInfo", children=[
        ds("CanonicalizationMethod", attrs=[("Algorithm", C14N)]),
        ds("SignatureMethod", attrs=[("Algorithm", sm_uri)]),
        ds("Reference", attrs=[("URI", "#idPackageObject"), ("Type", NS_DSIG + "Object")], children=[
            ds("DigestMethod", attrs=[("Algorithm", dm_uri)]),
            ds("DigestValue", text=digest(obj_c14n))])])
    si_c14n = signed_info.c14n(dsig_scope).encode("utf-8")
    sigval = key.sign(si_c14n, padding.PKCS1v15(), chash())

    signature = ds("Signature", attrs=[("Id", "SignatureIdValue")])
    signature.add(signed_info, ds("SignatureValue", text=base64.b64encode(sigval).decode()))
    if not a.cert_part:
        ki = ds("KeyInfo")
        if a.dotnet_style:
            pn = key.public_key().public_numbers()
            ki.add(ds("KeyName", text=dotnet_name(leaf.subject)),
                   ds("KeyValue", children=[ds("RSAKeyValue", children=[
                       ds("Modulus", text=b64_uint(pn.n)), ds("Exponent", text=b64_uint(pn.e))])]))
        x5 = ds("X509Data")
        # X509IncludeOption.ExcludeRoot: leaf + intermediates, no self-signed root
        for c in [leaf] + [c for c in chain if c.subject != c.issuer]:
            x5.add(ds("X509Certificate",
                      text=base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()))
        ki.add(x5)
        signature.add(ki)
    signature.add(obj)
    xml = (b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8" standalone="yes"?>'
           + signature.dotnet().encode("utf-8"))

    # self-check the hand-written C14N against lxml's on the bytes actually written
    if lxml_detached_c14n(xml, "/ds:Signature/ds:Object[@Id='idPackageObject']") != obj_c14n:
        raise SignError("self-check failed: Object C14N differs from lxml")
    if lxml_detached_c14n(xml, "/ds:Signature/ds:SignedInfo") != si_c14n:
        raise SignError("self-check failed: SignedInfo C14N differs from lxml")
    for rels_part, types in rel_groups:
        r = etree.Element(f"{{{NS_RELS}}}Relationships", nsmap={None: NS_RELS})
        chosen = {}
        for rr in read_rels(pkg, rels_part):
            if rr[1] in types:
                chosen.setdefault(rr[0], rr)
        for rid in sorted(chosen):
            etree.SubElement(r, f"{{{NS_RELS}}}Relationship", Type=chosen[rid][1],
                             Target=chosen[rid][2], TargetMode=chosen[rid][3], Id=rid)
        if etree.tostring(r, method="c14n") != rels_c14n_for_selection(
                read_rels(pkg, rels_part), set(), set(types)):
            raise SignError("self-check failed: relationships C14N differs from lxml")

    pkg.put(sig_part, xml)
    pkg.set_content_type(sig_part, CT_XMLSIG, a.ct_style)

    # 4. certificate part after the signature (never covered by the signature creating it)
    if a.cert_part:
        cert_name = f"{CERT_DIR}/{serial_hex(leaf)}.cer"
        pkg.put(cert_name, leaf.public_bytes(serialization.Encoding.DER))
        pkg.set_content_type(cert_name, CT_CERT, a.ct_style)
        write_rels(pkg, rels_part_of(sig_part), [(new_rel_id(), RT_CERT, cert_name, "Internal")])

    pkg.write(a.output)


if __name__ == "__main__":
    sys.exit(main())
