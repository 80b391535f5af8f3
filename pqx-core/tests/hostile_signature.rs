//! XML-signature attacks: each is refused with its own status and a reason naming it. Every
//! case re-signs the edited XML with the real key, so the refusal comes from the rule under
//! test, not from a broken digest.

mod support;
use pqx_core::keys::SigningKey;
use pqx_core::test_pki::TestPkiOptions;
use pqx_core::verify::SignatureStatus;
use support::packages::*;

fn key() -> SigningKey {
    pki().signing_key()
}

/// Asserts the first signature's status and that its reason mentions `needle`.
fn assert_refused(pqx: &[u8], status: SignatureStatus, needle: &str) {
    let v = verify(pqx);
    assert_eq!(v.status, status, "{v:#?}");
    let reason = v.signatures[0].reason.clone().unwrap_or_default();
    assert!(
        reason.to_lowercase().contains(&needle.to_lowercase()),
        "reason {reason:?} does not mention {needle:?}"
    );
}

#[test]
fn resigning_an_unchanged_signature_still_verifies() {
    let pqx = edit_and_resign(&signed(), &key(), |x| x);
    assert_eq!(verify(&pqx).status, SignatureStatus::Success);
}

#[test]
fn rejects_dtd_entity_and_billion_laughs_documents() {
    let base = signed();
    let name = signature_entry(&base);
    for prefix in [
        "<!DOCTYPE Signature>",
        "<!DOCTYPE Signature [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>",
        "<!DOCTYPE Signature [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>",
    ] {
        let pqx = rewrite(&base, |es| {
            let (_, b) = es.iter_mut().find(|(n, _)| *n == name).unwrap();
            let s = String::from_utf8(b.clone()).unwrap();
            *b = s.replacen("<Signature ", &format!("{prefix}<Signature "), 1).into_bytes();
        });
        assert_refused(&pqx, SignatureStatus::MalformedSignature, "DTD");
    }
}

#[test]
fn rejects_duplicated_id_values() {
    let pqx = edit_and_resign(&signed(), &key(), |x| {
        x.replacen("<KeyInfo>", "<KeyInfo Id=\"idPackageObject\">", 1)
    });
    assert_refused(&pqx, SignatureStatus::MalformedSignature, "duplicate Id");
}

#[test]
fn rejects_a_reference_to_another_element() {
    let pqx = edit_and_resign(&signed(), &key(), |x| {
        x.replacen("URI=\"#idPackageObject\"", "URI=\"#elsewhere\"", 1)
    });
    assert_refused(
        &pqx,
        SignatureStatus::MalformedSignature,
        "#idPackageObject",
    );
}

#[test]
fn rejects_extra_objects() {
    let pqx = edit_and_resign(&signed(), &key(), |x| {
        x.replacen(
            "</Signature>",
            "<Object Id=\"extra\"><Manifest></Manifest></Object></Signature>",
            1,
        )
    });
    assert_refused(&pqx, SignatureStatus::MalformedSignature, "Object");
}

#[test]
fn rejects_a_signed_info_with_other_references() {
    let pqx = edit_and_resign(&signed(), &key(), |x| {
        x.replacen("</SignedInfo>", "<Reference URI=\"#other\"><DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"></DigestMethod><DigestValue>AA==</DigestValue></Reference></SignedInfo>", 1)
    });
    assert_refused(
        &pqx,
        SignatureStatus::MalformedSignature,
        "exactly one Reference",
    );
}

#[test]
fn rejects_transforms_other_than_the_two_opc_allows() {
    let pqx = edit_and_resign(&signed(), &key(), |x| {
        x.replacen(
            "<Transform Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"></Transform>",
            "<Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"></Transform>",
            1,
        )
    });
    assert_refused(&pqx, SignatureStatus::UnsupportedAlgorithm, "xpath");
}

#[test]
fn rejects_canonicalization_other_than_c14n_1_0() {
    let pqx = edit_and_resign(&signed(), &key(), |x| {
        x.replacen("<CanonicalizationMethod Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\">", "<CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\">", 1)
    });
    assert_refused(&pqx, SignatureStatus::UnsupportedAlgorithm, "xml-exc-c14n");
}

#[test]
fn rejects_md5_and_unknown_digests() {
    for uri in [
        "http://www.w3.org/2001/04/xmldsig-more#md5",
        "urn:unknown-digest",
    ] {
        let pqx = edit_and_resign(&signed(), &key(), |x| {
            let at = x.find("<Manifest").unwrap();
            let (head, tail) = x.split_at(at);
            format!(
                "{head}{}",
                tail.replacen("http://www.w3.org/2001/04/xmlenc#sha256", uri, 1)
            )
        });
        assert_refused(&pqx, SignatureStatus::UnsupportedAlgorithm, uri);
    }
}

#[test]
fn rejects_unknown_signature_methods() {
    let pqx = edit_and_resign(&signed(), &key(), |x| {
        x.replacen(
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "http://www.w3.org/2001/04/xmldsig-more#rsa-md5",
            1,
        )
    });
    assert_refused(&pqx, SignatureStatus::UnsupportedAlgorithm, "rsa-md5");
}

#[test]
fn rejects_whitespace_inside_the_package_object() {
    let pqx = edit_and_resign(&signed(), &key(), |x| {
        x.replacen("<SignatureProperties>", "\n  <SignatureProperties>", 1)
    });
    assert_refused(
        &pqx,
        SignatureStatus::MalformedSignature,
        "exactly two child nodes",
    );
}

#[test]
fn rejects_a_signature_time_not_in_its_declared_format() {
    let base = signed();
    let xml = String::from_utf8(
        entries(&base)
            .into_iter()
            .find(|(n, _)| n.ends_with(".psdsxs"))
            .unwrap()
            .1,
    )
    .unwrap();
    let value = xml
        .split("<Value>")
        .nth(1)
        .unwrap()
        .split("</Value>")
        .next()
        .unwrap()
        .to_string();
    let pqx = edit_and_resign(&base, &key(), |x| x.replacen(&value, "2026-11-23", 1));
    assert_refused(
        &pqx,
        SignatureStatus::MalformedSignature,
        "does not match format",
    );
}

#[test]
fn rejects_a_signature_value_by_another_key_than_the_certificate() {
    let other = pqx_core::test_pki::generate_key(2048).unwrap();
    let (other_cert, _) = pki()
        .issue_leaf(&TestPkiOptions {
            leaf_key: Some(other),
            ..TestPkiOptions::default()
        })
        .unwrap();
    let pqx = edit_and_resign(&signed(), &key(), |x| {
        with_key_info(x, &key_info(&[&other_cert, &pki().intermediate]))
    });
    assert_refused(&pqx, SignatureStatus::InvalidSignature, "does not verify");
}

#[test]
fn rejects_rsa_keys_below_2048_bits() {
    let small = pqx_core::test_pki::generate_key(1024).unwrap();
    let (cert, _) = pki()
        .issue_leaf(&TestPkiOptions {
            leaf_key: Some(small.clone()),
            ..TestPkiOptions::default()
        })
        .unwrap();
    let small_key =
        SigningKey::from_parts(small, vec![cert.clone(), pki().intermediate.clone()]).unwrap();
    let pqx = edit_and_resign(&signed(), &small_key, |x| {
        with_key_info(x, &key_info(&[&cert, &pki().intermediate]))
    });
    assert_refused(&pqx, SignatureStatus::InvalidCertificate, "1024 bits");
}

#[test]
fn rejects_several_certificates_with_no_unambiguous_signer() {
    // The intermediate first: it issued the other certificate, so which one signed?
    let pqx = edit_and_resign(&signed(), &key(), |x| {
        with_key_info(x, &key_info(&[&pki().intermediate, &pki().leaf]))
    });
    let v = verify(&pqx);
    assert_ne!(v.status, SignatureStatus::Success, "{v:#?}");
    let reason = v.signatures[0].reason.clone().unwrap_or_default();
    assert!(
        reason.contains("unambiguous") || reason.contains("does not verify"),
        "{reason}"
    );
}

#[test]
fn rejects_a_missing_certificate() {
    let pqx = edit_and_resign(&signed(), &key(), |x| {
        with_key_info(x, "").replacen("<KeyInfo></KeyInfo>", "", 1)
    });
    assert_eq!(verify(&pqx).status, SignatureStatus::CertificateRequired);
}

#[test]
fn rejects_a_ca_certificate_as_signer() {
    let inter_key = SigningKey::from_parts(
        pki().intermediate_key.clone(),
        vec![pki().intermediate.clone(), pki().root.clone()],
    )
    .unwrap();
    let pqx = edit_and_resign(&signed(), &inter_key, |x| {
        with_key_info(x, &key_info(&[&pki().intermediate, &pki().root]))
    });
    assert_refused(&pqx, SignatureStatus::InvalidCertificate, "CA certificate");
}

#[test]
fn rejects_a_signer_without_code_signing_eku() {
    let server_auth = const_oid::db::rfc5280::ID_KP_SERVER_AUTH;
    let opts = TestPkiOptions {
        leaf_eku_code_signing: false,
        leaf_other_eku: vec![server_auth],
        leaf_key: Some(pki().leaf_key.clone()),
        ..TestPkiOptions::default()
    };
    let (cert, _) = pki().issue_leaf(&opts).unwrap();
    let pqx = edit_and_resign(&signed(), &key(), |x| {
        with_key_info(x, &key_info(&[&cert, &pki().intermediate]))
    });
    assert_refused(&pqx, SignatureStatus::InvalidCertificate, "code signing");
}

#[test]
fn rejects_a_signer_expired_now_without_a_timestamp() {
    let now = time::OffsetDateTime::now_utc();
    let opts = TestPkiOptions {
        leaf_not_before: now - time::Duration::days(30),
        leaf_not_after: now - time::Duration::days(1),
        leaf_key: Some(pki().leaf_key.clone()),
        ..TestPkiOptions::default()
    };
    let (cert, _) = pki().issue_leaf(&opts).unwrap();
    let pqx = edit_and_resign(&signed(), &key(), |x| {
        with_key_info(x, &key_info(&[&cert, &pki().intermediate]))
    });
    assert_refused(&pqx, SignatureStatus::InvalidCertificate, "expired on");
}

#[test]
fn reports_sha1_as_weak() {
    let pqx = pqx_core::sign::sign_bytes(
        &packed(),
        "x",
        &key(),
        &pqx_core::sign::SignOptions::with_digest(pqx_core::digest::DigestAlgorithm::Sha1),
        &pqx_core::limits::Limits::default(),
    )
    .unwrap()
    .0;
    let v = verify(&pqx);
    assert_eq!(v.status, SignatureStatus::Success);
    assert!(
        v.warnings.iter().any(|w| w.contains("SHA-1")),
        "{:?}",
        v.warnings
    );
}
