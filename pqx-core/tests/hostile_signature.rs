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
    )
    .unwrap()
    .output;
    let v = verify(&pqx);
    assert_eq!(v.status, SignatureStatus::Success);
    assert!(
        v.warnings
            .contains(&pqx_core::verify::Warning::Sha1InPackage),
        "{:?}",
        v.warnings
    );
}

/// Edits the signature XML without re-signing: for edits to what no signature covers
/// (KeyInfo, SignatureValue) or that C14N does not see (comments, whitespace in tags).
fn edit_unsigned(zip: &[u8], edit: impl FnOnce(String) -> String) -> Vec<u8> {
    let name = signature_entry(zip);
    rewrite(zip, |es| {
        let (_, b) = es.iter_mut().find(|(n, _)| *n == name).unwrap();
        *b = edit(String::from_utf8(b.clone()).unwrap()).into_bytes();
    })
}

/// Puts `insert` four characters into the text of the `nth` `<element>` (0 = first,
/// `usize::MAX` = last).
fn split_text(xml: &str, element: &str, nth: usize, insert: &str) -> String {
    let open = format!("<{element}>");
    let starts: Vec<usize> = xml.match_indices(&open).map(|(i, _)| i).collect();
    let at = if nth == usize::MAX {
        *starts.last().unwrap()
    } else {
        starts[nth]
    } + open.len()
        + 4;
    format!("{}{insert}{}", &xml[..at], &xml[at..])
}

#[test]
fn rejects_comments_inside_every_text_pqx_reads() {
    // C14N drops comments, so every one of these edits leaves every digest and the
    // SignatureValue intact: reading only the first text node would make pqx read something
    // else than what is signed (or than other verifiers read).
    let base = signed();
    for (element, nth) in [
        ("DigestValue", 0),          // SignedInfo's
        ("DigestValue", usize::MAX), // a manifest reference's
        ("SignatureValue", 0),
        ("X509Certificate", 0),
        ("Format", 0),
        ("Value", 0),
    ] {
        let pqx = edit_unsigned(&base, |x| split_text(&x, element, nth, "<!--x-->"));
        assert_refused(
            &pqx,
            SignatureStatus::MalformedSignature,
            &format!("{element} must hold text only, but holds a comment"),
        );
    }
}

#[test]
fn rejects_processing_instructions_and_elements_inside_read_text() {
    let pqx = edit_unsigned(&signed(), |x| {
        split_text(&x, "SignatureValue", 0, "<?pi x?>")
    });
    assert_refused(
        &pqx,
        SignatureStatus::MalformedSignature,
        "SignatureValue must hold text only, but holds a processing instruction",
    );
    let pqx = edit_and_resign(&signed(), &key(), |x| {
        split_text(&x, "Value", 0, "<b>1</b>")
    });
    assert_refused(
        &pqx,
        SignatureStatus::MalformedSignature,
        "Value must hold text only, but holds the element b",
    );
}

#[test]
fn rejects_a_second_signature_time_value() {
    let pqx = edit_and_resign(&signed(), &key(), |x| {
        x.replacen("</Value>", "</Value><Value>1999</Value>", 1)
    });
    assert_refused(
        &pqx,
        SignatureStatus::MalformedSignature,
        "SignatureTime holds Value twice",
    );
}

fn b64(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// KeyInfo as .NET's `InSignaturePart` writes it: KeyName (the subject), KeyValue (the RSA
/// key), X509Data, for the certificate `of` (its key in KeyValue, `name` in KeyName).
fn dotnet_key_info(of: &pqx_core::certificate::Certificate, name: &str) -> String {
    use rsa::traits::PublicKeyParts as _;
    let k = of.rsa_public_key().unwrap();
    format!(
        "<KeyInfo><KeyName>{name}</KeyName><KeyValue><RSAKeyValue><Modulus>{}</Modulus>\
         <Exponent>{}</Exponent></RSAKeyValue></KeyValue><X509Data><X509Certificate>{}\
         </X509Certificate></X509Data></KeyInfo>",
        b64(&k.n().to_bytes_be()),
        b64(&k.e().to_bytes_be()),
        b64(pki().leaf.der()),
    )
}

#[test]
fn accepts_the_key_info_dotnet_writes() {
    let leaf = &pki().leaf;
    let pqx = edit_unsigned(&signed(), |x| {
        with_key_info(x, &dotnet_key_info(leaf, &leaf.subject()))
    });
    let v = verify(&pqx);
    assert_eq!(v.status, SignatureStatus::Success, "{v:#?}");
    // Also with .NET's other bytes: an Id on KeyInfo, and the whitespace XML-DSig allows in
    // base64.
    let pqx = edit_unsigned(&signed(), |x| {
        with_key_info(x, &dotnet_key_info(leaf, &leaf.subject()))
            .replacen("<KeyInfo>", "<KeyInfo Id=\"keyInfo\">", 1)
            .replacen("</X509Certificate>", "\n</X509Certificate>", 1)
    });
    assert_eq!(verify(&pqx).status, SignatureStatus::Success);
}

#[test]
fn rejects_key_info_content_that_nothing_vouches_for() {
    let leaf = &pki().leaf;
    let good = dotnet_key_info(leaf, &leaf.subject());
    let leaf_only = key_info(&[leaf]);
    let cases: Vec<(String, &str)> = vec![
        (
            dotnet_key_info(leaf, "CN=Someone Else"),
            "is not the certificate's subject",
        ),
        (
            // The intermediate's key in KeyValue, the leaf in X509Data.
            dotnet_key_info(&pki().intermediate, &leaf.subject()),
            "KeyValue is not the key of the certificate",
        ),
        (
            leaf_only.replacen(
                "<X509Data>",
                "<RetrievalMethod URI=\"https://example.com/cert\"></RetrievalMethod><X509Data>",
                1,
            ),
            "KeyInfo holds RetrievalMethod",
        ),
        (
            leaf_only.replacen(
                "</X509Data>",
                "<X509SubjectName>CN=Microsoft</X509SubjectName></X509Data>",
                1,
            ),
            "X509Data holds X509SubjectName",
        ),
        (
            leaf_only.replacen(
                "</KeyInfo>",
                "<x:Payload xmlns:x=\"urn:smuggle\">anything</x:Payload></KeyInfo>",
                1,
            ),
            "KeyInfo holds Payload",
        ),
        (
            leaf_only.replacen("</KeyInfo>", "<X509Data></X509Data></KeyInfo>", 1),
            "KeyInfo holds X509Data twice",
        ),
        (
            good.replacen("</KeyName>", "</KeyName><KeyName>x</KeyName>", 1),
            "KeyInfo holds KeyName twice",
        ),
        (
            leaf_only.replacen("<KeyInfo>", "<KeyInfo>smuggled", 1),
            "unexpected text in KeyInfo",
        ),
        (
            leaf_only.replacen("<X509Data>", "<X509Data><!--smuggled-->", 1),
            "comment or processing instruction in X509Data",
        ),
        (
            leaf_only.replacen("<X509Certificate>", "<X509Certificate note=\"x\">", 1),
            "unexpected attribute note on X509Certificate",
        ),
        (
            "<KeyInfo><KeyName>x</KeyName></KeyInfo>".to_owned(),
            "KeyInfo without X509Data",
        ),
    ];
    for (ki, needle) in cases {
        let pqx = edit_unsigned(&signed(), |x| with_key_info(x, &ki));
        assert_refused(&pqx, SignatureStatus::MalformedSignature, needle);
    }
}
