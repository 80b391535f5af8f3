//! Parsing a signature part with the structural rules .NET's verifier applies
//! (`XmlDigitalSignatureProcessor`, `XmlSignatureManifest`, `XmlSignatureProperties`), plus
//! pqx's own defences against signature wrapping.
//!
//! Refused, each with a message naming the rule: a root other than `ds:Signature`; children out
//! of order; a SignedInfo with anything but exactly one Reference to `#idPackageObject`;
//! transforms other than C14N there; duplicated `Id` values anywhere; an Object other than the
//! package object and one XAdES timestamp Object of exactly the documented shape; a package object with other than exactly its Manifest and
//! SignatureProperties child nodes (.NET requires exactly two nodes, so no whitespace); manifest
//! references whose URI is not `part?ContentType=type`; transforms other than C14N and the
//! RelationshipTransform (which must be followed by C14N); unknown algorithms; a missing or
//! malformed SignatureTime; a text pqx reads that holds a comment, a processing instruction or
//! an element (`element_text`); KeyInfo content other than what .NET writes (`key_info`).

use super::model::{
    EmbeddedTimestamp, ManifestReference, ParsedSignature, Selector, Transform, XADES_DER_ENCODING,
    XADES_NS,
};
use super::uris::*;
use crate::digest::DigestAlgorithm;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::opc::PartName;
use base64::Engine as _;
use roxmltree::Node;
use std::collections::HashSet;

/// Parses and structurally checks the signature XML in `bytes` (the content of `part`).
pub fn parse_signature(bytes: &[u8], part: &str, limits: &Limits) -> Result<ParsedSignature> {
    let text = crate::xml::decode_text(bytes, part)?;
    let doc = crate::xml::parse(text, part, limits)?;
    let bad = |m: String| Error::signature_format(part, m);
    let root = doc.root_element();
    if !is_dsig(root, "Signature") {
        return Err(bad("the root element is not a ds:Signature".into()));
    }
    check_unique_ids(root, part)?;
    let id = root.attribute("Id").map(str::to_owned);

    let children = element_children(root, part)?;
    let mut it = children.iter().copied();
    let signed_info = it
        .next()
        .filter(|n| is_dsig(*n, "SignedInfo"))
        .ok_or_else(|| bad("the first child is not SignedInfo".into()))?;
    let sig_value = it
        .next()
        .filter(|n| is_dsig(*n, "SignatureValue"))
        .ok_or_else(|| bad("SignatureValue does not follow SignedInfo".into()))?;
    let mut key_info = None;
    let mut objects = Vec::new();
    for n in it {
        if is_dsig(n, "KeyInfo") && key_info.is_none() && objects.is_empty() {
            key_info = Some(n);
        } else if is_dsig(n, "Object") {
            objects.push(n);
        } else {
            return Err(bad(format!(
                "unexpected element {} in Signature",
                n.tag_name().name()
            )));
        }
    }

    // SignedInfo
    let si = element_children(signed_info, part)?;
    let [c14n, sig_method, refs @ ..] = si.as_slice() else {
        return Err(bad(
            "SignedInfo needs CanonicalizationMethod, SignatureMethod and a Reference".into(),
        ));
    };
    if !is_dsig(*c14n, "CanonicalizationMethod") || !is_dsig(*sig_method, "SignatureMethod") {
        return Err(bad(
            "SignedInfo must start with CanonicalizationMethod then SignatureMethod".into(),
        ));
    }
    check_c14n_algorithm(*c14n, signed_info, part)?;
    let signature_method = DigestAlgorithm::from_rsa_signature_uri(algorithm(*sig_method, part)?)?;
    let [object_ref] = refs else {
        return Err(bad(format!(
            "SignedInfo must hold exactly one Reference (found {})",
            refs.len()
        )));
    };
    if !is_dsig(*object_ref, "Reference") {
        return Err(bad(
            "SignedInfo holds something other than a Reference".into()
        ));
    }
    if object_ref.attribute("URI") != Some(format!("#{PACKAGE_OBJECT_ID}").as_str()) {
        return Err(bad(format!(
            "the SignedInfo Reference must point at #{PACKAGE_OBJECT_ID}"
        )));
    }
    if let Some(t) = object_ref.attribute("Type") {
        if t != OBJECT_TYPE {
            return Err(bad(format!("the SignedInfo Reference has Type {t:?}")));
        }
    }
    let (object_transforms, object_digest_method, object_digest_text) =
        reference_parts(*object_ref, part)?;
    for t in object_transforms {
        if t != Transform::C14n {
            return Err(bad(
                "the package-object Reference may only use the C14N transform".into(),
            ));
        }
    }
    let object_digest_value =
        decode_b64(&object_digest_text).ok_or_else(|| bad("DigestValue is not base64".into()))?;
    let signature_value = decode_b64(&element_text(sig_value, part)?)
        .ok_or_else(|| bad("SignatureValue is not base64".into()))?;
    if signature_value.is_empty() {
        return Err(bad("SignatureValue is empty".into()));
    }

    // The package object: exactly one. Besides it at most one Object, and only the XAdES
    // timestamp (unreferenced, checked to the last node): any other Object could carry a
    // second Manifest for signature wrapping.
    let (package_objects, extra_objects): (Vec<Node>, Vec<Node>) = objects
        .iter()
        .copied()
        .partition(|o| o.attribute("Id") == Some(PACKAGE_OBJECT_ID));
    let [object] = package_objects.as_slice() else {
        return Err(bad(format!(
            "expected exactly one Object {PACKAGE_OBJECT_ID}, found {} Objects",
            objects.len()
        )));
    };
    let timestamp = match extra_objects.as_slice() {
        [] => None,
        [ts] => Some(parse_timestamp_object(*ts, id.as_deref(), part)?),
        more => {
            return Err(bad(format!(
                "expected the package Object and at most one timestamp Object, found {} Objects",
                more.len() + 1
            )))
        }
    };
    let object_nodes: Vec<Node> = object.children().collect();
    let [a, b] = object_nodes.as_slice() else {
        return Err(bad(format!("the package Object must have exactly two child nodes, Manifest and SignatureProperties, without whitespace (found {})", object_nodes.len())));
    };
    let (manifest, props) = match (is_dsig(*a, "Manifest"), is_dsig(*b, "Manifest")) {
        (true, false) if is_dsig(*b, "SignatureProperties") => (*a, *b),
        (false, true) if is_dsig(*a, "SignatureProperties") => (*b, *a),
        _ => {
            return Err(bad(
                "the package Object must hold Manifest and SignatureProperties".into(),
            ))
        }
    };
    let references = parse_manifest(manifest, part)?;
    let (signing_time_text, signing_time) = parse_signature_time(props, id.as_deref(), part)?;

    let key_info_certificates = match key_info {
        Some(ki) => super::key_info::parse_key_info(ki, part)?,
        None => Vec::new(),
    };

    Ok(ParsedSignature {
        id,
        signed_info_c14n: crate::xml::canonicalize(signed_info),
        signature_method,
        signature_value,
        object_digest_method,
        object_digest_value,
        object_c14n: crate::xml::canonicalize(*object),
        references,
        signing_time_text,
        signing_time,
        key_info_certificates,
        timestamp,
    })
}

fn is_xades(n: Node, local: &str) -> bool {
    n.is_element() && n.tag_name().name() == local && n.tag_name().namespace() == Some(XADES_NS)
}

/// Checks that `n` has no attributes but the optional ones named (namespace declarations are
/// not attributes in roxmltree).
fn only_attributes(n: Node, allowed: &[&str], part: &str) -> Result<()> {
    for a in n.attributes() {
        if a.namespace().is_some() || !allowed.contains(&a.name()) {
            return Err(Error::signature_format(
                part,
                format!(
                    "unexpected attribute {} on {} in the timestamp Object",
                    a.name(),
                    n.tag_name().name()
                ),
            ));
        }
    }
    Ok(())
}

/// The one element child of `n`, which must be `xades:<local>`.
fn single_xades_child<'a, 'i>(n: Node<'a, 'i>, local: &str, part: &str) -> Result<Node<'a, 'i>> {
    match element_children(n, part)?.as_slice() {
        [c] if is_xades(*c, local) => Ok(*c),
        _ => Err(Error::signature_format(
            part,
            format!(
                "the timestamp Object's {} must hold exactly one xades:{local}",
                n.tag_name().name()
            ),
        )),
    }
}

/// The unreferenced timestamp Object, exactly:
/// `Object[@Id]/xades:QualifyingProperties[@Target=#sig]/xades:UnsignedProperties/
/// xades:UnsignedSignatureProperties/xades:SignatureTimeStamp/xades:EncapsulatedTimeStamp`,
/// each with only its optional `Id` (and `Target`, `Encoding` = DER where XAdES has them),
/// nothing else anywhere — no SignedProperties (nothing signs them here), no other unsigned
/// property, no second token. The token's cryptography is checked by `verify`.
fn parse_timestamp_object(
    object: Node,
    signature_id: Option<&str>,
    part: &str,
) -> Result<EmbeddedTimestamp> {
    let bad = |m: String| Error::signature_format(part, m);
    only_attributes(object, &["Id"], part)?;
    let object_id = object
        .attribute("Id")
        .filter(|i| !i.is_empty())
        .ok_or_else(|| {
            bad(
                "an Object other than the package object must be the timestamp Object, with an Id"
                    .into(),
            )
        })?
        .to_owned();
    let qp = single_xades_child(object, "QualifyingProperties", part)?;
    only_attributes(qp, &["Id", "Target"], part)?;
    if let Some(target) = qp.attribute("Target") {
        let expected = signature_id.map(|i| format!("#{i}"));
        if Some(target) != expected.as_deref() {
            return Err(bad(format!(
                "the timestamp's QualifyingProperties target {target:?}, not this signature"
            )));
        }
    }
    let up = single_xades_child(qp, "UnsignedProperties", part)?;
    only_attributes(up, &["Id"], part)?;
    let usp = single_xades_child(up, "UnsignedSignatureProperties", part)?;
    only_attributes(usp, &["Id"], part)?;
    let sts = single_xades_child(usp, "SignatureTimeStamp", part)?;
    only_attributes(sts, &["Id"], part)?;
    let ets = single_xades_child(sts, "EncapsulatedTimeStamp", part)?;
    only_attributes(ets, &["Id", "Encoding"], part)?;
    if let Some(enc) = ets.attribute("Encoding") {
        if enc != XADES_DER_ENCODING {
            return Err(bad(format!(
                "EncapsulatedTimeStamp Encoding {enc:?} (only DER is read)"
            )));
        }
    }
    let token = decode_b64(&element_text(ets, part)?)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad("EncapsulatedTimeStamp is not base64".into()))?;
    if token.len() > crate::limits::MAX_TIMESTAMP_TOKEN_SIZE {
        return Err(Error::LimitExceeded(format!(
            "{part}: time-stamp token larger than {} bytes",
            crate::limits::MAX_TIMESTAMP_TOKEN_SIZE
        )));
    }
    Ok(EmbeddedTimestamp { object_id, token })
}

pub(crate) fn is_dsig(n: Node, local: &str) -> bool {
    n.is_element() && n.tag_name().name() == local && n.tag_name().namespace() == Some(DSIG_NS)
}

fn is_opc(n: Node, local: &str) -> bool {
    n.is_element() && n.tag_name().name() == local && n.tag_name().namespace() == Some(OPC_DSIG_NS)
}

/// Element children, refusing non-whitespace text and comments/PIs between them.
pub(crate) fn element_children<'a, 'i>(n: Node<'a, 'i>, part: &str) -> Result<Vec<Node<'a, 'i>>> {
    let mut out = Vec::new();
    for c in n.children() {
        if c.is_element() {
            out.push(c);
        } else if c.is_text() {
            if c.text().is_some_and(|t| !t.trim().is_empty()) {
                return Err(Error::signature_format(
                    part,
                    format!("unexpected text in {}", n.tag_name().name()),
                ));
            }
        } else {
            return Err(Error::signature_format(
                part,
                format!(
                    "unexpected comment or processing instruction in {}",
                    n.tag_name().name()
                ),
            ));
        }
    }
    Ok(out)
}

/// Every `Id` attribute in the document must be unique: a duplicate lets an attacker make
/// `#idPackageObject` resolve to one element for one verifier and to another for the next.
fn check_unique_ids(root: Node, part: &str) -> Result<()> {
    let mut seen = HashSet::new();
    for n in root.descendants().filter(Node::is_element) {
        for a in n.attributes() {
            if a.name().eq_ignore_ascii_case("id") && !seen.insert(a.value().to_owned()) {
                return Err(Error::signature_format(
                    part,
                    format!("duplicate Id {:?} (signature wrapping?)", a.value()),
                ));
            }
        }
    }
    Ok(())
}

fn algorithm<'a>(n: Node<'a, '_>, part: &str) -> Result<&'a str> {
    n.attribute("Algorithm")
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            Error::signature_format(part, format!("{} without Algorithm", n.tag_name().name()))
        })
}

fn check_c14n_algorithm(method: Node, subtree: Node, part: &str) -> Result<()> {
    match algorithm(method, part)? {
        C14N => Ok(()),
        // Comments would be kept by this variant: accept it only when there are none, so that
        // both variants give the same bytes.
        C14N_WITH_COMMENTS if !subtree.descendants().any(|n| n.is_comment()) => Ok(()),
        other => Err(Error::UnsupportedAlgorithm(format!(
            "canonicalization method {other:?} in {part}"
        ))),
    }
}

/// Splits a Reference into its transforms, digest method and digest text. Children may
/// come in any order, each at most once (as .NET reads them).
fn reference_parts(r: Node, part: &str) -> Result<(Vec<Transform>, DigestAlgorithm, String)> {
    let bad = |m: String| Error::signature_format(part, m);
    let (mut transforms, mut method, mut value) = (None, None, None);
    for c in element_children(r, part)? {
        if is_dsig(c, "Transforms") && transforms.is_none() {
            transforms = Some(parse_transforms(c, part)?);
        } else if is_dsig(c, "DigestMethod") && method.is_none() {
            method = Some(DigestAlgorithm::from_uri(algorithm(c, part)?)?);
        } else if is_dsig(c, "DigestValue") && value.is_none() {
            value = Some(element_text(c, part)?);
        } else {
            return Err(bad(format!(
                "unexpected or repeated {} in Reference",
                c.tag_name().name()
            )));
        }
    }
    Ok((
        transforms.unwrap_or_default(),
        method.ok_or_else(|| bad("Reference without DigestMethod".into()))?,
        value.ok_or_else(|| bad("Reference without DigestValue".into()))?,
    ))
}

fn parse_transforms(ts: Node, part: &str) -> Result<Vec<Transform>> {
    let bad = |m: String| Error::signature_format(part, m);
    let mut out = Vec::new();
    for t in element_children(ts, part)? {
        if !is_dsig(t, "Transform") {
            return Err(bad(format!(
                "unexpected {} in Transforms",
                t.tag_name().name()
            )));
        }
        if t.attributes().len() != 1 {
            return Err(bad(
                "a Transform must have exactly one attribute, Algorithm".into(),
            ));
        }
        match algorithm(t, part)? {
            C14N | C14N_WITH_COMMENTS => {
                if !element_children(t, part)?.is_empty() {
                    return Err(bad("the C14N Transform must be empty".into()));
                }
                out.push(Transform::C14n);
            }
            RELATIONSHIP_TRANSFORM => {
                if out.iter().any(|x| matches!(x, Transform::Relationships(_))) {
                    return Err(bad("more than one RelationshipTransform".into()));
                }
                let mut selectors = Vec::new();
                for s in element_children(t, part)? {
                    let attrs: Vec<_> = s.attributes().collect();
                    let sel = match (
                        attrs.as_slice(),
                        is_opc(s, "RelationshipReference"),
                        is_opc(s, "RelationshipsGroupReference"),
                    ) {
                        ([a], true, _) if a.name() == "SourceId" && a.namespace().is_none() => {
                            Selector::Id(a.value().to_owned())
                        }
                        ([a], _, true) if a.name() == "SourceType" && a.namespace().is_none() => {
                            Selector::Type(a.value().to_owned())
                        }
                        _ => {
                            return Err(bad(format!(
                                "bad relationship selector {}",
                                s.tag_name().name()
                            )))
                        }
                    };
                    if s.has_children() {
                        return Err(bad("relationship selectors must be empty elements".into()));
                    }
                    selectors.push(sel);
                }
                out.push(Transform::Relationships(selectors));
            }
            other => {
                return Err(Error::UnsupportedAlgorithm(format!(
                    "transform {other:?} in {part}"
                )))
            }
        }
    }
    let rel_at = out
        .iter()
        .position(|t| matches!(t, Transform::Relationships(_)));
    if let Some(i) = rel_at {
        if !out.iter().skip(i + 1).any(|t| *t == Transform::C14n) {
            return Err(bad(
                "the RelationshipTransform must be followed by a C14N transform".into(),
            ));
        }
    }
    Ok(out)
}

fn parse_manifest(manifest: Node, part: &str) -> Result<Vec<ManifestReference>> {
    let bad = |m: String| Error::signature_format(part, m);
    let mut refs = Vec::new();
    for r in element_children(manifest, part)? {
        if !is_dsig(r, "Reference") {
            return Err(bad(format!(
                "unexpected {} in Manifest",
                r.tag_name().name()
            )));
        }
        let uri = match r.attributes().collect::<Vec<_>>().as_slice() {
            [a] if a.name() == "URI" && a.namespace().is_none() => a.value().to_owned(),
            _ => {
                return Err(bad(
                    "a Manifest Reference must have exactly one attribute, URI".into(),
                ))
            }
        };
        let (name, content_type) = uri
            .split_once("?ContentType=")
            .filter(|(n, ct)| !n.is_empty() && !ct.is_empty() && !ct.contains('?'))
            .ok_or_else(|| {
                bad(format!(
                    "Reference URI {uri:?} is not part?ContentType=type"
                ))
            })?;
        let part_name =
            PartName::parse(name).map_err(|e| bad(format!("Reference URI {uri:?}: {e}")))?;
        let (transforms, digest, digest_value) = reference_parts(r, part)?;
        refs.push(ManifestReference {
            part: part_name,
            content_type: content_type.to_owned(),
            transforms,
            digest,
            digest_value,
        });
    }
    if refs.is_empty() {
        return Err(bad("the Manifest has no Reference".into()));
    }
    Ok(refs)
}

fn parse_signature_time(
    props: Node,
    signature_id: Option<&str>,
    part: &str,
) -> Result<((String, String), time::OffsetDateTime)> {
    let bad = |m: String| Error::signature_format(part, m);
    let mut found = None;
    for p in element_children(props, part)? {
        if !is_dsig(p, "SignatureProperty") {
            return Err(bad(format!(
                "unexpected {} in SignatureProperties",
                p.tag_name().name()
            )));
        }
        if p.attribute("Id") != Some(SIGNATURE_TIME_ID) {
            continue;
        }
        if found.is_some() {
            return Err(bad("more than one signature-time property".into()));
        }
        let target = p.attribute("Target").unwrap_or_default();
        let expected = signature_id.map(|i| format!("#{i}"));
        if !target.is_empty() && Some(target) != expected.as_deref() {
            return Err(bad(format!(
                "the signature-time property targets {target:?}, not this signature"
            )));
        }
        let children = element_children(p, part)?;
        let [st] = children.as_slice() else {
            return Err(bad(
                "the signature-time property must hold one SignatureTime".into(),
            ));
        };
        if !is_opc(*st, "SignatureTime") {
            return Err(bad(
                "the signature-time property must hold an opc SignatureTime".into(),
            ));
        }
        let (format, value) = signature_time_fields(*st, part)?;
        let t = super::time::parse(&format, &value).map_err(|e| bad(e.to_string()))?;
        found = Some(((format, value), t));
    }
    found.ok_or_else(|| bad(format!("no SignatureProperty {SIGNATURE_TIME_ID}")))
}

/// The `Format` and `Value` of a `SignatureTime`: each exactly once and nothing else, so that
/// no second, ignored `Value` can sit beside the one read.
fn signature_time_fields(st: Node, part: &str) -> Result<(String, String)> {
    let bad = |m: String| Error::signature_format(part, m);
    let (mut format, mut value) = (None, None);
    for f in element_children(st, part)? {
        let slot = if is_opc(f, "Format") {
            &mut format
        } else if is_opc(f, "Value") {
            &mut value
        } else {
            return Err(bad(format!(
                "unexpected {} in SignatureTime (only Format and Value)",
                f.tag_name().name()
            )));
        };
        if slot.is_some() {
            return Err(bad(format!(
                "SignatureTime holds {} twice",
                f.tag_name().name()
            )));
        }
        *slot = Some(element_text(f, part)?);
    }
    Ok((
        format.ok_or_else(|| bad("SignatureTime without Format".into()))?,
        value.ok_or_else(|| bad("SignatureTime without Value".into()))?,
    ))
}

/// The whole text of `n`, for every element whose text pqx reads (DigestValue,
/// SignatureValue, X509Certificate, Format, Value, …): every text node, as C14N sees them, or
/// an error naming the element when it holds a comment, a processing instruction or a child
/// element. Reading only the first text node would let `<Value>2020<!---->-01-01</Value>` mean
/// one thing to pqx and another to the digest and to every other verifier.
pub(crate) fn element_text(n: Node, part: &str) -> Result<String> {
    let mut text = String::new();
    for c in n.children() {
        match c.text() {
            Some(t) if c.is_text() => text.push_str(t),
            _ => {
                let what = if c.is_element() {
                    format!("the element {}", c.tag_name().name())
                } else if c.is_comment() {
                    "a comment".to_owned()
                } else {
                    "a processing instruction".to_owned()
                };
                return Err(Error::signature_format(
                    part,
                    format!(
                        "{} must hold text only, but holds {what}",
                        n.tag_name().name()
                    ),
                ));
            }
        }
    }
    Ok(text)
}

/// Decodes base64 allowing the whitespace XML-DSig permits inside base64 content.
pub fn decode_b64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()
}
