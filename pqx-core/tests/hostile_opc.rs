//! OPC-level attacks: parts and relationships that change what the package means without
//! touching what was signed, or that make the package ambiguous.

mod support;
use pqx_core::limits::Limits;
use pqx_core::opc::Package;
use pqx_core::verify::{verify_bytes, SignatureStatus, VerifyOptions};
use std::io::Cursor;
use support::packages::*;

fn open(bytes: &[u8]) -> Result<(), pqx_core::Error> {
    Package::open(Cursor::new(bytes), "hostile.pqx", &Limits::default()).map(|_| ())
}

fn refused(bytes: &[u8], needle: &str) {
    let e = open(bytes)
        .err()
        .unwrap_or_else(|| panic!("accepted (expected {needle:?})"));
    assert!(
        e.to_string().contains(needle),
        "{e} does not mention {needle:?}"
    );
}

#[test]
fn rejects_a_part_with_no_content_type() {
    let pqx = rewrite(&signed(), |es| es.push(("notes.txt".into(), b"x".to_vec())));
    refused(&pqx, "has no content type");
}

#[test]
fn rejects_malformed_content_types() {
    let pqx = rewrite(&signed(), |es| {
        let (_, b) = es
            .iter_mut()
            .find(|(n, _)| n == "[Content_Types].xml")
            .unwrap();
        b.truncate(b.len() / 2);
    });
    assert!(open(&pqx).is_err());
}

#[test]
fn rejects_a_missing_content_types_stream() {
    let pqx = rewrite(&signed(), |es| {
        es.retain(|(n, _)| n != "[Content_Types].xml")
    });
    refused(&pqx, "no [Content_Types].xml");
}

#[test]
fn rejects_malformed_relationships() {
    let pqx = rewrite(&signed(), |es| {
        let (_, b) = es.iter_mut().find(|(n, _)| n == "_rels/.rels").unwrap();
        *b = b"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"a\"/></Relationships>".to_vec();
    });
    refused(&pqx, "Relationship without");
}

#[test]
fn rejects_relationship_targets_that_escape_the_package() {
    let pqx = replace_in(
        &signed(),
        "_rels/.rels",
        "</Relationships>",
        "<Relationship Id=\"Rz\" Type=\"urn:x\" Target=\"../../outside.pq\"/></Relationships>",
    );
    refused(&pqx, "escapes the package");
}

#[test]
fn rejects_relationship_targets_that_do_not_exist() {
    let pqx = replace_in(
        &signed(),
        "_rels/.rels",
        "</Relationships>",
        "<Relationship Id=\"Rz\" Type=\"urn:x\" Target=\"missing.pq\"/></Relationships>",
    );
    refused(&pqx, "missing part");
}

#[test]
fn reports_every_kind_of_part_added_after_signing_as_unsigned() {
    for (name, bytes) in [
        ("Second.pq", &b"section Second;"[..]),
        ("Extra.pqm", b"1"),
        ("Extra16.png", b"\x89PNG"),
    ] {
        let pqx = rewrite(&signed(), |es| es.push((name.to_string(), bytes.to_vec())));
        let pqx = if name.ends_with(".pqm") {
            replace_in(
                &pqx,
                "[Content_Types].xml",
                "</Types>",
                "<Default Extension=\"pqm2\" ContentType=\"application/octet-stream\"/></Types>",
            )
        } else {
            pqx
        };
        let v = verify(&pqx);
        assert_eq!(v.status, SignatureStatus::UnsignedParts, "{name}");
        assert_eq!(unsigned(&v), vec![format!("/{name}")]);
    }
}

#[test]
fn reports_a_signature_part_not_reachable_from_the_origin_as_unsigned() {
    let base = signed();
    let sig = signature_entry(&base);
    let xml = entries(&base)
        .into_iter()
        .find(|(n, _)| *n == sig)
        .unwrap()
        .1;
    let pqx = rewrite(&base, |es| {
        es.push((
            "package/services/digital-signature/xml-signature/orphan.psdsxs".into(),
            xml,
        ))
    });
    let v = verify(&pqx);
    assert_eq!(v.status, SignatureStatus::UnsignedParts);
    assert_eq!(
        unsigned(&v),
        vec!["/package/services/digital-signature/xml-signature/orphan.psdsxs".to_string()]
    );
}

#[test]
fn rejects_an_origin_relationship_that_points_elsewhere() {
    let pqx = replace_in(
        &signed(),
        "_rels/.rels",
        "Target=\"/package/services/digital-signature/origin.psdsor\"",
        "Target=\"/HelloWorld.pq\"",
    );
    let e = verify_bytes(&pqx, "x.pqx", &VerifyOptions::default()).unwrap_err();
    assert!(e.to_string().contains("has content type"), "{e}");
}

#[test]
fn rejects_two_signature_origins() {
    let pqx = replace_in(
        &signed(),
        "_rels/.rels",
        "</Relationships>",
        "<Relationship Id=\"R2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/digital-signature/origin\" Target=\"/HelloWorld.pq\"/></Relationships>",
    );
    let e = verify_bytes(&pqx, "x.pqx", &VerifyOptions::default()).unwrap_err();
    assert!(
        e.to_string()
            .contains("more than one digital-signature origin"),
        "{e}"
    );
}

#[test]
fn rejects_an_external_signature_relationship() {
    let pqx = rewrite(&signed(), |es| {
        let (_, b) = es
            .iter_mut()
            .find(|(n, _)| n.ends_with("origin.psdsor.rels"))
            .unwrap();
        let s = String::from_utf8(b.clone()).unwrap();
        *b = s
            .replacen("/>", " TargetMode=\"External\"/>", 1)
            .into_bytes();
    });
    let e = verify_bytes(&pqx, "x.pqx", &VerifyOptions::default()).unwrap_err();
    assert!(e.to_string().contains("external"), "{e}");
}

#[test]
fn a_changed_signed_relationship_breaks_the_signature() {
    let pqx = rewrite(&signed(), |es| {
        let (_, b) = es.iter_mut().find(|(n, _)| n == "_rels/.rels").unwrap();
        let s = String::from_utf8(b.clone()).unwrap();
        // Same relationship, another Id: the RelationshipTransform output changes.
        let id = s
            .split("Id=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        *b = s.replace(&id, "Rchanged").into_bytes();
    });
    assert_eq!(verify(&pqx).status, SignatureStatus::InvalidSignature);
}

#[test]
fn rejects_a_signature_origin_that_is_not_empty() {
    // The origin is signature machinery, referenced by no manifest: bytes in it would ride
    // along in a "valid" package with nothing covering them.
    let base = signed();
    assert_eq!(verify(&base).status, SignatureStatus::Success);
    let pqx = rewrite(&base, |es| {
        let (_, b) = es
            .iter_mut()
            .find(|(n, _)| n == "package/services/digital-signature/origin.psdsor")
            .unwrap();
        *b = b"smuggled".to_vec();
    });
    let e = verify_bytes(&pqx, "x.pqx", &VerifyOptions::default()).unwrap_err();
    assert_eq!(e.kind(), pqx_core::ErrorKind::Opc, "{e}");
    assert!(e.to_string().contains("must be empty"), "{e}");
    assert!(e.to_string().contains("origin.psdsor"), "{e}");
}
