#!/usr/bin/env python3
"""Independent OPC (ECMA-376 Part 2) signature verifier, written for pqx's interop tests.

Not derived from pqx's Rust code: it follows the behaviour of .NET's
PackageDigitalSignature.Verify() as documented in the brief (opc-dotnet-notes.md §4) and
uses lxml for every canonicalization and `cryptography` for RSA.

  opc_verify.py FILE.pqx [--require-all-parts] [-v]

Exit 0 and prints `OK <n> signatures` when every signature verifies; exit 1 with a one-line
`FAIL: <reason>` otherwise (also when the package is not signed).
--require-all-parts additionally fails when a non-signature part (or a relationship of a
non-signature relationships part) is covered by no signature.
"""
import argparse
import base64
import datetime
import hashlib
import posixpath
import re
import sys
import zipfile
from urllib.parse import unquote

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
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

DIGEST_METHODS = {
    "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
}
SIGNATURE_METHODS = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": hashes.SHA1,
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": hashes.SHA256,
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": hashes.SHA384,
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": hashes.SHA512,
}
TIME_FORMATS = {
    "YYYY-MM-DDThh:mm:ss.sTZD": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d(Z|[+-]\d\d:\d\d)",
    "YYYY-MM-DDThh:mm:ssTZD": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)",
    "YYYY-MM-DDThh:mmTZD": r"\d{4}-\d\d-\d\dT\d\d:\d\d(Z|[+-]\d\d:\d\d)",
    "YYYY-MM-DD": r"\d{4}-\d\d-\d\d",
    "YYYY-MM": r"\d{4}-\d\d",
    "YYYY": r"\d{4}",
}



def extension(name):
    """OPC extension: text after the last '.' of the last segment ('/_rels/.rels' -> 'rels')."""
    last = name.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[1] if "." in last else ""

class Fail(Exception):
    pass


def q(ns, local):
    return f"{{{ns}}}{local}"


def parse_xml(data, what):
    """Parse untrusted XML: no DTD at all (a DOCTYPE is an error), no entities, no network."""
    if re.search(rb"<!DOCTYPE|<!ENTITY", data):
        raise Fail(f"{what}: DTD/entity declaration not allowed")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, remove_blank_text=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise Fail(f"{what}: malformed XML: {e}")
    if root.getroottree().docinfo.doctype:
        raise Fail(f"{what}: DOCTYPE not allowed")
    return root


def c14n_detached(el, with_comments=False):
    # lxml's in-document subtree C14N emits xmlns="" on descendants in some cases; detach
    # first: serialize the element (lxml copies the in-scope namespace declarations onto
    # it), parse it again, then canonicalize the standalone document.
    again = etree.fromstring(etree.tostring(el))
    return etree.tostring(again, method="c14n", exclusive=False, with_comments=with_comments)


def c14n_document(data, with_comments, what):
    root = parse_xml(data, what)
    return etree.tostring(root.getroottree(), method="c14n", exclusive=False,
                          with_comments=with_comments)


class Package:
    def __init__(self, path):
        try:
            z = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as e:
            raise Fail(f"not a ZIP file: {e}")
        self.data = {}       # lower-case part name -> bytes
        self.names = {}      # lower-case part name -> part name as stored
        with z:
            for zi in z.infolist():
                if zi.is_dir():
                    continue
                name = "/" + unquote(zi.filename)
                key = name.lower()
                if key in self.data:
                    raise Fail(f"duplicate part name (case-insensitive): {name}")
                self.data[key] = z.read(zi)
                self.names[key] = name
        ct = self.data.pop("/[content_types].xml", None)
        self.names.pop("/[content_types].xml", None)
        if ct is None:
            raise Fail("no [Content_Types].xml")
        root = parse_xml(ct, "[Content_Types].xml")
        self.defaults, self.overrides = {}, {}
        for el in root:
            if el.tag == q(NS_CT, "Default"):
                self.defaults[el.get("Extension").lower()] = el.get("ContentType")
            elif el.tag == q(NS_CT, "Override"):
                self.overrides[el.get("PartName").lower()] = el.get("ContentType")

    def parts(self):
        return [self.names[k] for k in self.data]

    def exists(self, part):
        return part.lower() in self.data

    def get(self, part):
        return self.data[part.lower()]

    def content_type(self, part):
        ct = self.overrides.get(part.lower())
        if ct is None:
            ct = self.defaults.get(extension(part).lower())
        return ct


def rels_part_of(source):
    if source == "/":
        return "/_rels/.rels"
    d, n = posixpath.split(source)
    return f"{d.rstrip('/')}/_rels/{n}.rels"


def source_of_rels(rels):
    d, n = posixpath.split(rels)
    if posixpath.basename(d) != "_rels" or not n.endswith(".rels"):
        raise Fail(f"{rels}: not a relationships part name")
    parent = posixpath.dirname(d)
    name = n[:-5]
    if name == "":
        if parent != "/":
            raise Fail(f"{rels}: not a relationships part name")
        return "/"
    return posixpath.join(parent, name)


def resolve(source, target):
    base = "/" if source == "/" else posixpath.dirname(source)
    return posixpath.normpath(posixpath.join(base, unquote(target)))


def relationships(pkg, source):
    """[{'Id','Type','Target','TargetMode'}] of a source, [] when it has none."""
    rp = rels_part_of(source)
    if not pkg.exists(rp):
        return []
    root = parse_xml(pkg.get(rp), rp)
    if root.tag != q(NS_RELS, "Relationships"):
        raise Fail(f"{rp}: not a Relationships document")
    out = []
    for el in root:
        if el.tag == q(NS_RELS, "Relationship"):
            out.append({"Id": el.get("Id"), "Type": el.get("Type"), "Target": el.get("Target"),
                        "TargetMode": el.get("TargetMode") or "Internal"})
    return out


def b64_exact(data):
    return base64.b64encode(data).decode("ascii")


def only(el, tag, what):
    found = [c for c in el if c.tag == tag]
    if len(found) != 1:
        raise Fail(f"{what}: expected exactly one {tag.split('}')[1]}, found {len(found)}")
    return found[0]


def check_transforms_c14n_only(transforms, what):
    algs = []
    if transforms is not None:
        for t in transforms:
            if t.tag != q(NS_DSIG, "Transform"):
                raise Fail(f"{what}: unexpected {t.tag} in Transforms")
            algs.append(t.get("Algorithm"))
    for alg in algs:
        if alg not in (C14N, C14N_WC):
            raise Fail(f"{what}: transform {alg} not allowed")
    return algs


class SignatureResult:
    def __init__(self):
        self.parts = set()          # lower-case part names covered by a part reference
        self.rel_selections = {}    # lower-case rels part name -> (ids, types)
        self.cert = None
        self.digest_names = set()


def verify_signature(pkg, sig_part):
    res = SignatureResult()
    what = sig_part
    raw = pkg.get(sig_part)
    root = parse_xml(raw, what)
    if root.tag != q(NS_DSIG, "Signature"):
        raise Fail(f"{what}: root element is not ds:Signature")
    # .NET: only an optional XML declaration (encoding utf-8/utf-16) and the root element
    if root.getprevious() is not None or root.getnext() is not None:
        raise Fail(f"{what}: content besides the Signature element at document level")
    enc = root.getroottree().docinfo.encoding
    if enc and enc.lower() not in ("utf-8", "utf-16"):
        raise Fail(f"{what}: XML declaration encoding {enc} (must be utf-8 or utf-16)")

    # -- certificate: certificate part first, then KeyInfo/X509Data
    cert = None
    for r in relationships(pkg, sig_part):
        if r["Type"] == RT_CERT:
            if r["TargetMode"] != "Internal":
                raise Fail(f"{what}: external certificate relationship")
            cp = resolve(sig_part, r["Target"])
            if not pkg.exists(cp):
                continue
            if pkg.content_type(cp) != CT_CERT:
                raise Fail(f"{what}: certificate part {cp} has content type {pkg.content_type(cp)}")
            cert = x509.load_der_x509_certificate(pkg.get(cp))
            break
    if cert is None:
        x5 = root.findall(f"{q(NS_DSIG, 'KeyInfo')}/{q(NS_DSIG, 'X509Data')}/{q(NS_DSIG, 'X509Certificate')}")
        if x5:
            cert = x509.load_der_x509_certificate(base64.b64decode("".join(x5[0].text.split())))
    if cert is None:
        raise Fail(f"{what}: CertificateRequired (no certificate part and no KeyInfo/X509Data)")
    res.cert = cert

    # -- SignedInfo
    si = only(root, q(NS_DSIG, "SignedInfo"), what)
    cm = only(si, q(NS_DSIG, "CanonicalizationMethod"), what).get("Algorithm")
    if cm not in (C14N, C14N_WC):
        raise Fail(f"{what}: CanonicalizationMethod {cm} not allowed")
    sm = only(si, q(NS_DSIG, "SignatureMethod"), what).get("Algorithm")
    if sm not in SIGNATURE_METHODS:
        raise Fail(f"{what}: unsupported SignatureMethod {sm}")
    refs = [c for c in si if c.tag == q(NS_DSIG, "Reference")]
    pkg_refs = [r for r in refs if r.get("URI") == "#idPackageObject"]
    if len(pkg_refs) != 1:
        raise Fail(f"{what}: SignedInfo must reference #idPackageObject exactly once")
    for r in refs:
        if not (r.get("URI") or "").startswith("#"):
            raise Fail(f"{what}: SignedInfo reference {r.get('URI')!r} is not same-document")

    # -- SignatureValue over C14N(SignedInfo)
    sv = base64.b64decode("".join(only(root, q(NS_DSIG, "SignatureValue"), what).text.split()))
    pub = cert.public_key()
    if not isinstance(pub, rsa.RSAPublicKey):
        raise Fail(f"{what}: signer key is not RSA")
    si_c14n = c14n_detached(si, cm == C14N_WC)
    try:
        pub.verify(sv, si_c14n, padding.PKCS1v15(), SIGNATURE_METHODS[sm]())
    except InvalidSignature:
        raise Fail(f"{what}: InvalidSignature (SignatureValue does not verify)")

    # -- SignedInfo references (resolved by Id; duplicate Ids are rejected)
    for r in refs:
        rid = r.get("URI")[1:]
        targets = root.xpath("//*[@Id=$i]", i=rid)
        if len(targets) != 1:
            raise Fail(f"{what}: Id {rid!r} matches {len(targets)} elements")
        algs = check_transforms_c14n_only(r.find(q(NS_DSIG, "Transforms")), what)
        dm = only(r, q(NS_DSIG, "DigestMethod"), what).get("Algorithm")
        if dm not in DIGEST_METHODS:
            raise Fail(f"{what}: unsupported DigestMethod {dm}")
        res.digest_names.add(DIGEST_METHODS[dm])
        canon = c14n_detached(targets[0], bool(algs) and algs[-1] == C14N_WC)
        got = hashlib.new(DIGEST_METHODS[dm], canon).digest()
        want = base64.b64decode(only(r, q(NS_DSIG, "DigestValue"), what).text or "")
        if got != want:
            raise Fail(f"{what}: InvalidSignature (digest of #{rid} does not match)")

    # -- the package Object
    obj = root.xpath("//*[@Id='idPackageObject']")[0]
    if obj.tag != q(NS_DSIG, "Object"):
        raise Fail(f"{what}: #idPackageObject is not a ds:Object")
    nodes = obj.xpath("node()")
    if len(nodes) != 2:
        raise Fail(f"{what}: package Object must have exactly 2 child nodes, has {len(nodes)}")
    manifest = only(obj, q(NS_DSIG, "Manifest"), what)
    props = only(obj, q(NS_DSIG, "SignatureProperties"), what)

    # SignatureTime
    sig_id = root.get("Id")
    times = [p for p in props if p.tag == q(NS_DSIG, "SignatureProperty") and p.get("Id") == "idSignatureTime"]
    if len(times) != 1:
        raise Fail(f"{what}: need exactly one SignatureProperty idSignatureTime")
    if times[0].get("Target") not in ("", f"#{sig_id}"):
        raise Fail(f"{what}: SignatureProperty Target {times[0].get('Target')!r} != #{sig_id}")
    st = only(times[0], q(NS_OPC_DSIG, "SignatureTime"), what)
    fmt = only(st, q(NS_OPC_DSIG, "Format"), what).text
    val = only(st, q(NS_OPC_DSIG, "Value"), what).text or ""
    if fmt not in TIME_FORMATS:
        raise Fail(f"{what}: illegal SignatureTime Format {fmt!r}")
    if not re.fullmatch(TIME_FORMATS[fmt], val):
        raise Fail(f"{what}: SignatureTime Value {val!r} does not match {fmt}")

    # Manifest references
    mrefs = list(manifest)
    if not mrefs:
        raise Fail(f"{what}: empty Manifest")
    for r in mrefs:
        if r.tag != q(NS_DSIG, "Reference"):
            raise Fail(f"{what}: Manifest child {r.tag} is not a Reference")
        if list(r.attrib) != ["URI"]:
            raise Fail(f"{what}: Manifest Reference must have exactly one attribute URI, has {list(r.attrib)}")
        for c in r:
            if c.tag not in (q(NS_DSIG, "Transforms"), q(NS_DSIG, "DigestMethod"), q(NS_DSIG, "DigestValue")):
                raise Fail(f"{what}: unexpected {c.tag} in Manifest Reference")
        if len({c.tag for c in r}) != len(r):
            raise Fail(f"{what}: repeated child in Manifest Reference")
        uri = r.get("URI") or ""
        qi = uri.find("?")
        if qi <= 0 or not uri[qi:].startswith("?ContentType=") or len(uri) == qi + len("?ContentType="):
            raise Fail(f"{what}: bad Manifest reference URI {uri!r}")
        part, ct = unquote(uri[:qi]), uri[qi + len("?ContentType="):]
        dme = only(r, q(NS_DSIG, "DigestMethod"), what)
        if list(dme.attrib) != ["Algorithm"]:
            raise Fail(f"{what}: DigestMethod must have exactly one attribute Algorithm")
        dm = dme.get("Algorithm")
        if dm not in DIGEST_METHODS:
            raise Fail(f"{what}: unsupported DigestMethod {dm}")
        res.digest_names.add(DIGEST_METHODS[dm])
        dve = only(r, q(NS_DSIG, "DigestValue"), what)
        if len(dve):
            raise Fail(f"{what}: DigestValue must contain text only")
        dv = dve.text or ""
        tr = r.find(q(NS_DSIG, "Transforms"))
        transforms = list(tr) if tr is not None else []
        ids, types, rel_transform = set(), set(), False
        algs = []
        for t in transforms:
            if t.tag != q(NS_DSIG, "Transform") or list(t.attrib) != ["Algorithm"]:
                raise Fail(f"{what}: Transform must be ds:Transform with exactly one attribute Algorithm")
            alg = t.get("Algorithm")
            if alg != REL_TRANSFORM and (len(t) or (t.text or "")):
                raise Fail(f"{what}: C14N Transform must be empty")
            if alg == REL_TRANSFORM:
                if rel_transform or algs:
                    raise Fail(f"{what}: misplaced RelationshipTransform in {uri}")
                rel_transform = True
                for sel in t:
                    if len(sel.attrib) != 1 or len(sel) or (sel.text or ""):
                        raise Fail(f"{what}: relationship selector must be empty with exactly one attribute")
                    if sel.tag == q(NS_OPC_DSIG, "RelationshipReference"):
                        ids.add(sel.get("SourceId"))
                    elif sel.tag == q(NS_OPC_DSIG, "RelationshipsGroupReference"):
                        types.add(sel.get("SourceType"))
                    else:
                        raise Fail(f"{what}: unknown relationship selector {sel.tag}")
            elif alg in (C14N, C14N_WC):
                algs.append(alg)
            else:
                raise Fail(f"{what}: transform {alg} not allowed in {uri}")
        if rel_transform and not algs:
            raise Fail(f"{what}: RelationshipTransform not followed by C14N in {uri}")
        if rel_transform and (ids or types):
            # relationship reference: rebuilt from the current relationships part
            source = source_of_rels(part)
            chosen = {}
            for rel in relationships(pkg, source):
                if rel["Id"] in ids or rel["Type"] in types:
                    chosen.setdefault(rel["Id"], rel)
            top = etree.Element(q(NS_RELS, "Relationships"), nsmap={None: NS_RELS})
            for rid in sorted(chosen):
                rel = chosen[rid]
                etree.SubElement(top, q(NS_RELS, "Relationship"), Type=rel["Type"],
                                 Target=rel["Target"], TargetMode=rel["TargetMode"], Id=rid)
            body = etree.tostring(etree.ElementTree(top), method="c14n", exclusive=False,
                                  with_comments=algs[-1] == C14N_WC)
            prev = res.rel_selections.setdefault(part.lower(), (set(), set()))
            prev[0].update(ids)
            prev[1].update(types)
        else:
            if not pkg.exists(part):
                raise Fail(f"{what}: ReferenceNotFound ({part})")
            actual_ct = pkg.content_type(part)
            if actual_ct != ct:
                raise Fail(f"{what}: InvalidSignature (content type of {part} is {actual_ct!r}, "
                           f"signed as {ct!r})")
            body = pkg.get(part)
            if algs:
                body = c14n_document(body, algs[-1] == C14N_WC, part)
            res.parts.add(part.lower())
        if b64_exact(hashlib.new(DIGEST_METHODS[dm], body).digest()) != dv:
            raise Fail(f"{what}: InvalidSignature (digest of {uri} does not match)")
    return res


def is_signature_related(pkg, part):
    low = part.lower()
    if low.startswith("/package/services/digital-signature/") and low.endswith(".rels"):
        return True
    return pkg.content_type(part) in (CT_ORIGIN, CT_XMLSIG, CT_CERT)


def verify(path, require_all, verbose):
    pkg = Package(path)
    for p in pkg.parts():
        if pkg.content_type(p) is None:
            raise Fail(f"part {p} has no content type in [Content_Types].xml")
    origins = []
    for r in relationships(pkg, "/"):
        if r["Type"] == RT_ORIGIN:
            if r["TargetMode"] != "Internal":
                raise Fail("external origin relationship")
            t = resolve("/", r["Target"])
            if not pkg.exists(t):
                raise Fail(f"origin part {t} missing")
            if pkg.content_type(t) == CT_ORIGIN and t.lower() not in [o.lower() for o in origins]:
                origins.append(t)
    if not origins:
        raise Fail("NotSigned (no signature origin)")
    if len(origins) > 1:
        raise Fail("multiple signature origins")
    sigs = []
    for r in relationships(pkg, origins[0]):
        if r["Type"] == RT_SIGNATURE:
            if r["TargetMode"] != "Internal":
                raise Fail("external signature relationship")
            t = resolve(origins[0], r["Target"])
            if not pkg.exists(t):
                raise Fail(f"signature part {t} missing")
            if pkg.content_type(t) == CT_XMLSIG:
                sigs.append(t)
    if not sigs:
        raise Fail("NotSigned (no signature parts)")
    results = []
    for s in sigs:
        res = verify_signature(pkg, s)
        results.append(res)
        if verbose:
            print(f"{s}: valid; signer {res.cert.subject.rfc4514_string()}; "
                  f"{len(res.parts)} parts, digests {sorted(res.digest_names)}", file=sys.stderr)
    if require_all:
        covered = set().union(*(r.parts for r in results))
        for p in pkg.parts():
            if is_signature_related(pkg, p):
                continue
            if p.lower().endswith(".rels") and p.lower() not in covered:
                source = source_of_rels(p)
                for rel in relationships(pkg, source):
                    if source == "/" and rel["Type"] == RT_ORIGIN:
                        continue
                    if not any(rel["Id"] in res.rel_selections.get(p.lower(), ((), ()))[0]
                               or rel["Type"] in res.rel_selections.get(p.lower(), ((), ()))[1]
                               for res in results):
                        raise Fail(f"unsigned relationship {rel['Id']} ({rel['Type']}) in {p}")
                continue
            if p.lower() not in covered:
                raise Fail(f"unsigned part {p}")
    return len(sigs)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Verify the OPC signatures of a package")
    ap.add_argument("file")
    ap.add_argument("--require-all-parts", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv)
    try:
        n = verify(a.file, a.require_all_parts, a.verbose)
    except Fail as e:
        print(f"FAIL: {e}")
        return 1
    except Exception as e:  # malformed input of any kind is a failure, not a crash
        print(f"FAIL: {type(e).__name__}: {e}")
        return 1
    print(f"OK {n} signatures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
