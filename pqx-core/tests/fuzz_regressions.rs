//! Regression tests for the fuzzing of pqx-core (`fuzz/`, see `fuzz/README.md`).
//!
//! The libFuzzer runs found no crash, panic or timeout on their own. The inputs here are
//! timeouts all the same: inputs whose cost grows faster than their size (super-linear
//! parsing or look-ups), found by reading the code the targets drive and confirmed as
//! libFuzzer timeouts of those targets on crafted inputs.
//! Each input is built inline at test time, deterministic in what it tests. The time bounds
//! are generous (the fixed code answers in milliseconds to a few seconds in a debug build;
//! before the fix the same inputs took minutes to hours), so they do not flake on a slow
//! machine yet still catch a return of the super-linear behaviour.

mod support;

use std::fmt::Write as _;

use pqx_core::limits::{Limits, MAX_XML_ATTRIBUTES, MAX_XML_NAMESPACES};
use pqx_core::lint::{self, CheckOptions, ConnectorFile, ConnectorSource};
use pqx_core::sign::{sign_bytes, SignOptions};
use pqx_core::verify::{verify_bytes, VerifyOptions};
use pqx_core::{xml, Error};

// No timing assertions (machines are noisy): the bombs below must be refused by a limit
// before parsing, which is asserted; the linear-time claims are guarded by the fuzzers'
// -timeout and by the benches, and a quadratic regression here would show as a test that
// takes minutes.

/// One element with `n` distinct attributes: `<a a0="" a1="" …/>`. roxmltree compares each
/// attribute with all earlier ones of the element, so parsing it costs `n²/2` comparisons
/// (about 5·10⁹ for the 100 000 used here, minutes in a debug build).
fn attribute_bomb(n: usize) -> String {
    let mut text = String::from("<a");
    for i in 0..n {
        let _ = write!(text, " a{i}=\"\"");
    }
    text.push_str("/>");
    text
}

/// `depth` nested elements each declaring `per_level` new prefixes, then `children`
/// elements inside the innermost each declaring one more. Every child gets a copy of the
/// `depth × per_level` inherited bindings, each checked against all the bindings copied so
/// far: `children × (depth × per_level)²/2` steps (2·10⁹ for the 20 × 50 × 4 000 used here,
/// under 64 KiB with `depth × per_level` = 2 048 and 1 500 children).
fn namespace_bomb(depth: usize, per_level: usize, children: usize) -> String {
    let mut text = String::new();
    for d in 0..depth {
        text.push_str("<e");
        for p in 0..per_level {
            let _ = write!(text, " xmlns:p{d}x{p}=\"u\"");
        }
        text.push('>');
    }
    for _ in 0..children {
        text.push_str("<c xmlns:q=\"u\"/>");
    }
    text.push_str(&"</e>".repeat(depth));
    text
}

fn assert_limit_exceeded<T: std::fmt::Debug>(result: pqx_core::Result<T>, what: &str) {
    match result {
        Err(Error::LimitExceeded(_)) => {}
        other => panic!("{what}: expected LimitExceeded, got {other:?}"),
    }
}

#[test]
fn xml_parse_refuses_an_attribute_bomb_without_parsing_it() {
    let text = attribute_bomb(100_000);
    assert_limit_exceeded(
        xml::parse(&text, "/bomb.xml", &Limits::default()),
        "attributes",
    );
}

#[test]
fn xml_parse_refuses_a_namespace_bomb_without_parsing_it() {
    let text = namespace_bomb(20, 50, 4_000);
    assert_limit_exceeded(
        xml::parse(&text, "/bomb.xml", &Limits::default()),
        "namespaces",
    );
}

#[test]
fn xml_parse_accepts_up_to_the_attribute_and_namespace_limits() {
    let limits = Limits::default();
    assert!(xml::parse(&attribute_bomb(MAX_XML_ATTRIBUTES), "/a.xml", &limits).is_ok());
    assert_limit_exceeded(
        xml::parse(&attribute_bomb(MAX_XML_ATTRIBUTES + 1), "/a.xml", &limits),
        "one attribute too many",
    );
    // Each level declares 8 prefixes, each child one more: 8 levels + children = the limit.
    let at_limit = namespace_bomb(8, 8, MAX_XML_NAMESPACES - 64);
    assert!(xml::parse(&at_limit, "/n.xml", &limits).is_ok());
    let over = namespace_bomb(8, 8, MAX_XML_NAMESPACES - 63);
    assert_limit_exceeded(
        xml::parse(&over, "/n.xml", &limits),
        "one declaration too many",
    );
}

#[test]
fn xml_limits_can_be_raised() {
    let mut limits = Limits::default();
    limits.max_xml_attributes = 1_000;
    limits.max_xml_namespaces = 1_000;
    assert!(xml::parse(&attribute_bomb(1_000), "/a.xml", &limits).is_ok());
    assert!(xml::parse(&namespace_bomb(4, 100, 600), "/n.xml", &limits).is_ok());
}

#[test]
fn verify_of_a_package_with_an_attribute_bomb_in_its_content_types_ends_quickly() {
    let signed = support::packages::signed();
    let bomb = support::packages::rewrite(&signed, |entries| {
        let (_, bytes) = entries
            .iter_mut()
            .find(|(name, _)| name == "[Content_Types].xml")
            .expect("content types entry");
        let text = String::from_utf8(bytes.clone()).expect("UTF-8 content types");
        let extra: String = (0..100_000).map(|i| format!(" a{i}=\"\"")).collect();
        *bytes = text
            .replacen("<Types", &format!("<Types{extra}"), 1)
            .into_bytes();
    });
    let result = verify_bytes(&bomb, "bomb.pqx", &VerifyOptions::default());
    assert_limit_exceeded(result, "verify");
}

/// Found by the `lint` target's long run (2026-12-04): a text literal that is the second
/// token of a document, after `=`, made the secret rule look two tokens back from index 1
/// (an arithmetic overflow: a panic in debug builds, a wrapped index in release).
#[test]
fn lint_of_a_document_starting_with_an_assigned_literal_does_not_panic() {
    for text in [
        "=\"abc\"",
        "= \"Bearer abcdefghijklmnopqrstuvwxyz\"",
        "=\"x\" in",
    ] {
        let source = ConnectorSource::from_files(vec![ConnectorFile {
            name: "Fuzz.pq".to_owned(),
            bytes: text.as_bytes().to_vec(),
        }]);
        let findings = lint::check(&source, &CheckOptions::default());
        assert!(
            findings.iter().all(|f| f.file == "Fuzz.pq"),
            "{text}: {findings:?}"
        );
    }
}

#[test]
fn lint_reports_a_resx_namespace_bomb_instead_of_hanging() {
    let source = ConnectorSource::from_files(vec![
        ConnectorFile {
            name: "Bomb.pq".to_owned(),
            bytes: b"section Bomb;\nshared Bomb.Contents = () => Extension.LoadString(\"A\");\n"
                .to_vec(),
        },
        ConnectorFile {
            name: "resources.resx".to_owned(),
            bytes: namespace_bomb(20, 50, 4_000).into_bytes(),
        },
    ]);
    let findings = lint::check(&source, &CheckOptions::default());
    assert!(
        findings
            .iter()
            .any(|f| f.file == "resources.resx" && f.message.contains("cannot be read")),
        "{findings:?}"
    );
}

/// The sample package, unsigned, with a package relationships part holding `n`
/// relationships of `n` distinct types (all to the section document).
fn package_with_relationships(n: usize) -> Vec<u8> {
    support::packages::rewrite(&support::packages::packed(), |entries| {
        let (_, types) = entries
            .iter_mut()
            .find(|(name, _)| name == "[Content_Types].xml")
            .expect("content types entry");
        let text = String::from_utf8(types.clone()).expect("UTF-8 content types");
        if !text.contains("Extension=\"rels\"") {
            *types = text
                .replacen(
                    "<Default ",
                    "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default ",
                    1,
                )
                .into_bytes();
        }
        let mut rels = String::from(
            "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
        );
        for i in 0..n {
            let _ = write!(
                rels,
                "<Relationship Id=\"R{i}\" Type=\"urn:pqx:t{i}\" Target=\"/HelloWorld.pq\"/>"
            );
        }
        rels.push_str("</Relationships>");
        entries.push(("_rels/.rels".to_owned(), rels.into_bytes()));
    })
}

/// A `.rels` part with 20 000 relationships, signed (one RelationshipTransform selector per
/// type, so 20 000 selectors) and verified. Unique-Id checking compared each relationship
/// with all earlier ones, signing each type with all earlier types, and verification each
/// relationship with every selector, twice (selecting, then checking coverage): about 10⁹
/// string comparisons (the libFuzzer `verify` build took 11 s for 10 000, 25 s for 20 000,
/// 94 s for 40 000). All are hash-set look-ups now: about 2 s for 20 000 in a debug build,
/// and twice that for twice as many.
#[test]
fn signing_and_verifying_many_relationships_takes_linear_time() {
    const N: usize = 20_000;
    let package = package_with_relationships(N);
    let key = support::packages::pki().signing_key();
    let signed = sign_bytes(&package, "many.pqx", &key, &SignOptions::default())
        .expect("sign")
        .output;
    let verification =
        verify_bytes(&signed, "many.pqx", &VerifyOptions::default()).expect("verify");
    assert!(verification.is_valid(), "{verification:?}");
    assert!(
        verification.unsigned.is_empty(),
        "{:?}",
        verification.unsigned
    );
}

/// Duplicate relationship Ids are still refused now that they are found with a set.
#[test]
fn a_duplicate_relationship_id_is_still_refused() {
    let rels =
        b"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"R1\" Type=\"urn:a\" Target=\"/a\"/>\
<Relationship Id=\"R2\" Type=\"urn:a\" Target=\"/a\"/>\
<Relationship Id=\"R1\" Type=\"urn:b\" Target=\"/b\"/></Relationships>";
    let err = pqx_core::opc::Relationships::parse(rels, "/_rels/.rels", &Limits::default())
        .expect_err("duplicate Id");
    assert!(
        err.to_string().contains("duplicate relationship Id"),
        "{err}"
    );
}

/// A PKCS#12 file (the test PKI's leaf, password `password`, made by `openssl pkcs12
/// -export` at test time) whose MAC iteration count is then raised to 2³¹ − 1:
/// `p12-keystore` ran all of them before checking anything else (a libFuzzer timeout of the
/// `pkcs12` target). Refused now before any key derivation.
fn pkcs12_asking_for_billions_of_mac_iterations() -> Vec<u8> {
    use der::asn1::Any;
    use der::{Decode, Encode};
    let pki = support::packages::pki();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("leaf.key"), pki.leaf_key_pkcs8_pem()).unwrap();
    std::fs::write(d.join("chain.pem"), pki.chain_pem()).unwrap();
    pqx_test_support::tsa::openssl(
        d,
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "leaf.key",
            "-in",
            "chain.pem",
            "-out",
            "leaf.pfx",
            "-passout",
            "pass:password",
        ],
    );
    let pfx = std::fs::read(d.join("leaf.pfx")).unwrap();
    // PFX ::= SEQUENCE { version, authSafe, macData MacData }
    // MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER }
    let mut outer = Vec::<Any>::from_der(&pfx).unwrap();
    let mut mac_data: Vec<Any> = outer[2].decode_as().unwrap();
    assert_eq!(
        mac_data[2].decode_as::<u32>().unwrap(),
        2048,
        "openssl's default"
    );
    mac_data[2] = Any::encode_from(&0x7FFF_FFFFu32).unwrap();
    outer[2] = Any::encode_from(&mac_data).unwrap();
    outer.to_der().unwrap()
}

#[test]
fn a_pkcs12_file_asking_for_billions_of_iterations_is_refused_quickly() {
    let bytes = pkcs12_asking_for_billions_of_mac_iterations();
    let result = pqx_core::keys::SigningKey::from_pkcs12(&bytes, "password", "hostile.pfx");
    match result {
        Err(Error::Key { reason, .. }) => assert!(reason.contains("iterations"), "{reason}"),
        other => panic!("expected a key error, got {other:?}"),
    }
}
