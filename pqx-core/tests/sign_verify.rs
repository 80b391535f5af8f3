//! Pack → sign → verify round trips, countersign and replace, and what tampering does.

mod support;

use pqx_core::digest::DigestAlgorithm;
use pqx_core::limits::Limits;
use pqx_core::opc::Package;
use pqx_core::sign::{sign_package, SignMode, SignOptions};
use pqx_core::test_pki::{TestPki, TestPkiOptions};
use pqx_core::trust::TrustPolicy;
use pqx_core::verify::{verify_bytes, SignatureStatus, Unsigned, VerifyOptions};
use std::io::{Cursor, Read, Write};
use std::sync::OnceLock;
use support::packages::{packed, pki};

fn second_pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| {
        let opts = TestPkiOptions {
            leaf_common_name: "pqx Test Second Signer".into(),
            ..TestPkiOptions::default()
        };
        TestPki::generate(&opts).expect("test PKI")
    })
}

fn sign(pqx: &[u8], pki: &TestPki, opts: SignOptions) -> Vec<u8> {
    let mut p = Package::open(Cursor::new(pqx), "x.pqx", &Limits::default()).unwrap();
    let out = sign_package(&mut p, &pki.signing_key(), &opts, Cursor::new(Vec::new()))
        .unwrap()
        .output;
    out.into_inner()
}

fn verify(pqx: &[u8]) -> pqx_core::verify::Verification {
    verify_bytes(pqx, "x.pqx", &VerifyOptions::default()).unwrap()
}

/// Rewrites a ZIP, letting `edit` change (name, bytes) pairs or drop/add entries.
fn rewrite(zip: &[u8], edit: impl Fn(Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)>) -> Vec<u8> {
    let mut a = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
    let mut entries = Vec::new();
    for i in 0..a.len() {
        let mut f = a.by_index(i).unwrap();
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        entries.push((f.name().unwrap().to_string(), b));
    }
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (n, b) in edit(entries) {
        w.start_file(n, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(&b).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn pack_is_deterministic() {
    assert_eq!(packed(), packed());
}

#[test]
fn unsigned_package_reports_not_signed() {
    assert_eq!(verify(&packed()).status, SignatureStatus::NotSigned);
}

#[test]
fn signed_package_verifies_with_untrusted_root_like_makepqx() {
    let signed = sign(&packed(), pki(), SignOptions::default());
    let v = verify(&signed);
    assert_eq!(v.status, SignatureStatus::Success, "{v:?}");
    assert!(v.unsigned.is_empty());
    let report = pqx_core::report::Report::from_verification(&v);
    let c = &report.certificate_status[0];
    assert_eq!(c.thumbprint, pki().leaf.thumbprint_sha1());
    assert!(!c.valid);
    assert!(c.status.contains("UntrustedRoot"), "{}", c.status);
    assert_eq!(
        c.parent.as_ref().unwrap().subject,
        pki().intermediate.subject()
    );
}

#[test]
fn trusted_root_or_pinned_thumbprint_makes_it_valid() {
    let signed = sign(&packed(), pki(), SignOptions::default());
    let mut policy = TrustPolicy::none();
    policy.add_anchor(pki().root.clone());
    let v = verify_bytes(&signed, "x.pqx", &VerifyOptions::with_policy(policy)).unwrap();
    assert!(v.is_trusted());
    let report = pqx_core::report::Report::from_verification(&v);
    assert!(report.certificate_status[0].valid);
    assert_eq!(report.certificate_status[0].status, "NoError");

    let mut pinned = TrustPolicy::none();
    pinned
        .pin_thumbprint(&pki().leaf.thumbprint_sha1())
        .unwrap();
    assert!(
        verify_bytes(&signed, "x.pqx", &VerifyOptions::with_policy(pinned))
            .unwrap()
            .is_trusted()
    );
}

#[test]
fn every_digest_algorithm_round_trips() {
    for d in DigestAlgorithm::ALL {
        let signed = sign(&packed(), pki(), SignOptions::with_digest(d));
        let v = verify(&signed);
        assert_eq!(v.status, SignatureStatus::Success, "{d}: {v:?}");
        assert_eq!(v.warnings.is_empty(), !d.is_weak(), "{d}");
    }
}

#[test]
fn countersign_keeps_both_signatures_valid() {
    let once = sign(&packed(), pki(), SignOptions::default());
    let twice = sign(&once, second_pki(), SignOptions::default());
    let v = verify(&twice);
    assert_eq!(v.status, SignatureStatus::Success, "{v:?}");
    assert_eq!(v.signatures.len(), 2);
    assert!(v.signatures[0].countersigns.is_empty());
    assert_eq!(
        v.signatures[1].countersigns,
        vec![v.signatures[0].part.clone()]
    );
}

#[test]
fn replace_leaves_only_the_new_signer() {
    let once = sign(&packed(), pki(), SignOptions::default());
    let twice = sign(&once, second_pki(), SignOptions::default());
    let replaced = sign(
        &twice,
        second_pki(),
        SignOptions::default().mode(SignMode::Replace),
    );
    let v = verify(&replaced);
    assert_eq!(v.status, SignatureStatus::Success, "{v:?}");
    assert_eq!(v.signatures.len(), 1);
    assert_eq!(
        v.signatures[0].signer.as_ref().unwrap().thumbprint_sha1(),
        second_pki().leaf.thumbprint_sha1()
    );
    let names: Vec<String> = zip::ZipArchive::new(Cursor::new(&replaced))
        .unwrap()
        .file_names()
        .map(|n| n.unwrap().to_string())
        .collect();
    assert_eq!(
        names.iter().filter(|n| n.ends_with(".psdsxs")).count(),
        1,
        "{names:?}"
    );
}

#[test]
fn a_changed_byte_in_any_part_breaks_the_signature() {
    let signed = sign(&packed(), pki(), SignOptions::default());
    for target in [
        "HelloWorld.pq",
        "HelloWorld16.png",
        "resources.resx",
        "Table.ToNavigationTable.pqm",
    ] {
        let tampered = rewrite(&signed, |mut es| {
            for (n, b) in es.iter_mut() {
                if n == target {
                    b[0] ^= 1;
                }
            }
            es
        });
        let v = verify(&tampered);
        assert_eq!(
            v.status,
            SignatureStatus::InvalidSignature,
            "{target}: {v:?}"
        );
    }
}

#[test]
fn a_changed_content_type_breaks_the_signature() {
    let signed = sign(&packed(), pki(), SignOptions::default());
    let tampered = rewrite(&signed, |mut es| {
        for (n, b) in es.iter_mut() {
            if n == "[Content_Types].xml" {
                *b = String::from_utf8(b.clone())
                    .unwrap()
                    .replace("image/png", "image/x-png")
                    .into_bytes();
            }
        }
        es
    });
    assert_eq!(verify(&tampered).status, SignatureStatus::InvalidSignature);
}

#[test]
fn an_added_part_is_reported_unsigned() {
    let signed = sign(&packed(), pki(), SignOptions::default());
    let tampered = rewrite(&signed, |mut es| {
        es.push(("Evil.pqm".into(), b"let x = 1 in x".to_vec()));
        es
    });
    let v = verify(&tampered);
    assert_eq!(v.status, SignatureStatus::UnsignedParts);
    assert!(
        matches!(v.unsigned.as_slice(), [Unsigned::Part(p)] if p.as_str() == "/Evil.pqm"),
        "{:?}",
        v.unsigned
    );
}

#[test]
fn a_removed_part_is_reference_not_found() {
    let signed = sign(&packed(), pki(), SignOptions::default());
    let tampered = rewrite(&signed, |es| {
        es.into_iter()
            .filter(|(n, _)| n != "HelloWorld64.png")
            .collect()
    });
    assert_eq!(verify(&tampered).status, SignatureStatus::ReferenceNotFound);
}

#[test]
fn a_changed_or_added_relationship_breaks_or_is_unsigned() {
    let signed = sign(&packed(), pki(), SignOptions::default());
    // Added relationship of a new type: not covered by any selector.
    let added = rewrite(&signed, |mut es| {
        for (n, b) in es.iter_mut() {
            if n == "_rels/.rels" {
                *b = String::from_utf8(b.clone()).unwrap().replace("</Relationships>", "<Relationship Id=\"Rx\" Type=\"urn:evil\" Target=\"HelloWorld.pq\"/></Relationships>").into_bytes();
            }
        }
        es
    });
    let v = verify(&added);
    assert_eq!(v.status, SignatureStatus::UnsignedParts, "{v:?}");
    assert!(
        matches!(v.unsigned.as_slice(), [Unsigned::Relationship { part, id }]
            if part.as_str() == "/_rels/.rels" && id == "Rx"),
        "{:?}",
        v.unsigned
    );
    assert_eq!(v.unsigned[0].to_string(), "/_rels/.rels#Rx");
    // Added relationship of a signed type: the relationship digest no longer matches.
    let same_type = rewrite(&signed, |mut es| {
        for (n, b) in es.iter_mut() {
            if n == "_rels/.rels" {
                let s = String::from_utf8(b.clone()).unwrap();
                *b = s.replace("</Relationships>", "<Relationship Id=\"Ry\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/digital-signature/origin\" Target=\"HelloWorld.pq\"/></Relationships>").into_bytes();
            }
        }
        es
    });
    // Two origins is an ambiguous package: refused outright.
    assert!(verify_bytes(&same_type, "x.pqx", &VerifyOptions::default()).is_err());
}
