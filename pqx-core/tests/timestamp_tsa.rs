//! RFC 3161 timestamps against a local time-stamping authority: `openssl ts -reply` behind a
//! tiny HTTP handler on 127.0.0.1 (started per test, stopped when the test ends; see
//! `pqx_test_support::tsa`), and `openssl ts -verify` checking what pqx embedded.

mod support;

use pqx_core::cms::http::HttpTimestamper;
use pqx_core::cms::timestamp::{verify_token, TimestampRequest};
use pqx_core::limits::Limits;
use pqx_core::report::Report;
use pqx_core::sign::{sign_bytes, SignOptions};
use pqx_core::signature::build::add_timestamp;
use pqx_core::signature::parse::parse_signature;
use pqx_core::test_pki::TestPkiOptions;
use pqx_core::trust::TrustPolicy;
use pqx_core::verify::{verify_bytes, SignatureStatus, VerifyOptions, Warning};
use pqx_core::Error;
use pqx_test_support::tsa::{self, dead_url, openssl, serial_lock, tsa, LocalTsa, TSA_SUBJECT};
use std::io::{Cursor, Read, Write};
use std::process::Command;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use support::packages::{packed, pki};
use time::OffsetDateTime;

// ---------------------------------------------------------------- fixtures

/// A signing key whose leaf expires tomorrow: verified "a month from now" it is expired.
fn short_lived_key() -> pqx_core::keys::SigningKey {
    let now = OffsetDateTime::now_utc();
    let opts = TestPkiOptions {
        leaf_key: Some(pki().leaf_key.clone()),
        leaf_not_before: now - time::Duration::days(1),
        leaf_not_after: now + time::Duration::days(1),
        leaf_common_name: "pqx Test Short-Lived Signer".into(),
        ..TestPkiOptions::default()
    };
    let (cert, key) = pki().issue_leaf(&opts).expect("leaf");
    pqx_core::keys::SigningKey::from_parts(
        key,
        vec![cert, pki().intermediate.clone(), pki().root.clone()],
    )
    .expect("key")
}

fn month_later() -> OffsetDateTime {
    OffsetDateTime::now_utc() + time::Duration::days(30)
}

fn http(urls: Vec<String>) -> Arc<HttpTimestamper> {
    Arc::new(
        HttpTimestamper::new(urls)
            .unwrap()
            .timeout(Duration::from_secs(10))
            .retries(1)
            .retry_pause(Duration::ZERO),
    )
}

// ---------------------------------------------------------------- package helpers

fn entries(zip_bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut a = zip::ZipArchive::new(Cursor::new(zip_bytes)).unwrap();
    (0..a.len())
        .map(|i| {
            let mut f = a.by_index(i).unwrap();
            let mut b = Vec::new();
            f.read_to_end(&mut b).unwrap();
            (f.name().unwrap().to_string(), b)
        })
        .collect()
}

fn signature_xml(pqx: &[u8]) -> Vec<u8> {
    entries(pqx)
        .into_iter()
        .find(|(n, _)| n.ends_with(".psdsxs"))
        .map(|(_, b)| b)
        .expect("a signature part")
}

fn with_signature_xml(pqx: &[u8], xml: &[u8]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (n, b) in entries(pqx) {
        w.start_file(n.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(if n.ends_with(".psdsxs") { xml } else { &b })
            .unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn signature_value(pqx: &[u8]) -> Vec<u8> {
    parse_signature(&signature_xml(pqx), "sig", &Limits::default())
        .unwrap()
        .signature_value
}

fn embedded_token(pqx: &[u8]) -> Vec<u8> {
    parse_signature(&signature_xml(pqx), "sig", &Limits::default())
        .unwrap()
        .timestamp
        .expect("a timestamp")
        .token
}

fn policy_trusting_both() -> TrustPolicy {
    let mut p = TrustPolicy::none()
        .with_anchor_pem(&tsa().root_pem())
        .unwrap();
    p.add_anchor(pki().root.clone());
    p
}

fn sign_stamped(key: &pqx_core::keys::SigningKey, tsa_url: &str) -> Vec<u8> {
    let opts = SignOptions::default().timestamper(http(vec![dead_url(), tsa_url.to_owned()]));
    let pqx_core::sign::Signed {
        output: out,
        outcome,
        ..
    } = sign_bytes(&packed(), "x.pqx", key, &opts).unwrap();
    let ts = outcome.timestamp.expect("signing reports the timestamp");
    assert_eq!(ts.authority.subject(), TSA_SUBJECT);
    out
}

/// A token for `message` from the TSA, re-signed by `signer` (`tsa` or `notsa`) with
/// `openssl cms -sign -cades` around the same TSTInfo: the way to get a token whose only
/// fault is the signer's certificate (`openssl ts -reply` itself refuses a non-TSA signer).
fn resigned_token(message: &[u8], signer: &str, tag: &str) -> Vec<u8> {
    let t = tsa();
    let d = t.dir();
    let _serial = serial_lock();
    std::fs::write(t.path(&format!("{tag}.msg")), message).unwrap();
    openssl(
        d,
        &[
            "ts",
            "-query",
            "-data",
            &format!("{tag}.msg"),
            "-sha256",
            "-cert",
            "-out",
            &format!("{tag}.tsq"),
        ],
    );
    openssl(
        d,
        &[
            "ts",
            "-reply",
            "-config",
            "ts.cnf",
            "-queryfile",
            &format!("{tag}.tsq"),
            "-token_out",
            "-out",
            &format!("{tag}.tok"),
        ],
    );
    openssl(
        d,
        &[
            "cms",
            "-verify",
            "-noverify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            &format!("{tag}.tok"),
            "-out",
            &format!("{tag}.tst"),
        ],
    );
    t.sign_tst_info(tag, signer)
}

// ---------------------------------------------------------------- tests

#[test]
fn a_valid_timestamp_keeps_a_since_expired_signer_valid() {
    let server = LocalTsa::start();
    let key = short_lived_key();
    let stamped = sign_stamped(&key, &server.url);
    assert!(server.served.load(Ordering::SeqCst) >= 1);

    // A month later the leaf has expired; the token proves the signature is older.
    let opts = VerifyOptions::with_policy(policy_trusting_both()).at(month_later());
    let v = verify_bytes(&stamped, "x.pqx", &opts).unwrap();
    assert_eq!(v.status, SignatureStatus::Success, "{v:?}");
    assert!(v.is_trusted());
    let report = Report::from_verification(&v);
    let ts = report.signatures[0]
        .timestamp
        .clone()
        .expect("Timestamp entry");
    assert!(ts.valid && ts.trusted, "{ts:?}");
    assert_eq!(ts.tsa_subject.as_deref(), Some(TSA_SUBJECT));
    let tsa_cert = pqx_core::certificate::Certificate::from_pem(
        &std::fs::read_to_string(tsa().path("tsa.pem")).unwrap(),
    )
    .unwrap();
    assert_eq!(ts.tsa_thumbprint, Some(tsa_cert.thumbprint_sha1()));
    let json = report.to_json();
    assert!(
        json.contains("\"Timestamp\": {") && json.contains("\"TsaThumbprint\""),
        "{json}"
    );

    // Without trusting the TSA's root the token proves no time: the signer is judged a month
    // later, when it has expired (a stranger's word moves no evaluation time).
    let mut only_signer = TrustPolicy::none();
    only_signer.add_anchor(pki().root.clone());
    let v = verify_bytes(
        &stamped,
        "x.pqx",
        &VerifyOptions::with_policy(only_signer).at(month_later()),
    )
    .unwrap();
    assert_eq!(v.status, SignatureStatus::InvalidCertificate, "{v:?}");
    let reason = v.signatures[0].reason.clone().unwrap_or_default();
    assert!(reason.contains("expired on"), "{reason}");
    assert!(
        v.signatures[0]
            .warnings
            .contains(&Warning::UntrustedTimestampAuthority),
        "{v:?}"
    );

    // The control: the same signer without a timestamp is invalid a month later.
    let plain = sign_bytes(&packed(), "x.pqx", &key, &SignOptions::default())
        .unwrap()
        .output;
    let v = verify_bytes(&plain, "x.pqx", &opts).unwrap();
    assert_eq!(v.status, SignatureStatus::InvalidCertificate);
    // …and .NET-style verifiers, which ignore the unreferenced Object, see a plain signature:
    // today it verifies like one without a timestamp.
    let v = verify_bytes(&stamped, "x.pqx", &VerifyOptions::default()).unwrap();
    assert_eq!(v.status, SignatureStatus::Success);
}

#[test]
fn a_token_over_another_signature_value_is_rejected() {
    let server = LocalTsa::start();
    let key = pki().signing_key();
    let stamped = sign_stamped(&key, &server.url);
    let other = sign_bytes(&packed(), "y.pqx", &key, &SignOptions::default())
        .unwrap()
        .output;
    let token = embedded_token(&stamped);

    let err = verify_token(&token, &signature_value(&other)).unwrap_err();
    assert!(err.to_string().contains("another signature"), "{err}");

    let moved = add_timestamp(&signature_xml(&other), &token, &Limits::default()).unwrap();
    let forged = with_signature_xml(&other, &moved);
    let v = verify_bytes(&forged, "y.pqx", &VerifyOptions::default()).unwrap();
    assert_eq!(v.status, SignatureStatus::InvalidSignature, "{v:?}");
    let reason = v.signatures[0].reason.clone().unwrap();
    assert!(reason.contains("time-stamps another signature"), "{reason}");
    let ts = Report::from_verification(&v).signatures[0]
        .timestamp
        .clone()
        .unwrap();
    assert!(!ts.valid);
}

#[test]
fn a_tsa_certificate_without_the_time_stamping_eku_is_rejected() {
    let key = pki().signing_key();
    let plain = sign_bytes(&packed(), "x.pqx", &key, &SignOptions::default())
        .unwrap()
        .output;
    let sv = signature_value(&plain);

    // Control: the same TSTInfo re-signed by the real TSA certificate is accepted…
    let good = resigned_token(&sv, "tsa", "eku");
    let xml = add_timestamp(&signature_xml(&plain), &good, &Limits::default()).unwrap();
    let v = verify_bytes(
        &with_signature_xml(&plain, &xml),
        "x.pqx",
        &VerifyOptions::with_policy(policy_trusting_both()),
    )
    .unwrap();
    assert_eq!(v.status, SignatureStatus::Success, "{v:?}");
    assert!(v.is_trusted());

    // …and re-signed by a certificate whose EKU is code signing only, it is not.
    let bad = resigned_token(&sv, "notsa", "eku");
    let xml = add_timestamp(&signature_xml(&plain), &bad, &Limits::default()).unwrap();
    let v = verify_bytes(
        &with_signature_xml(&plain, &xml),
        "x.pqx",
        &VerifyOptions::with_policy(policy_trusting_both()),
    )
    .unwrap();
    assert_eq!(v.status, SignatureStatus::InvalidCertificate, "{v:?}");
    let reason = v.signatures[0].reason.clone().unwrap();
    assert!(
        reason.contains("is not a time-stamping authority's"),
        "{reason}"
    );

    // Signing refuses such a token outright.
    let bad_tsa = Arc::new(move |_: &TimestampRequest| Ok(bad.clone()));
    let err = sign_bytes(
        &packed(),
        "x.pqx",
        &key,
        &SignOptions::default().timestamper(bad_tsa),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("is not a time-stamping authority"),
        "{err}"
    );
}

#[test]
fn every_tsa_unreachable_fails_clearly_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.pqx");
    let output = dir.path().join("out.pqx");
    std::fs::write(&input, packed()).unwrap();
    let (a, b) = (dead_url(), dead_url());
    let opts = SignOptions::default().timestamper(http(vec![a.clone(), b.clone()]));
    let started = std::time::Instant::now();
    let err = pqx_core::files::sign_file(&input, &output, &pki().signing_key(), &opts).unwrap_err();
    assert!(matches!(err, Error::Timestamp(_)), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("no time-stamping authority gave a usable token"),
        "{msg}"
    );
    assert!(msg.contains(&a) && msg.contains(&b), "{msg}");
    assert!(!output.exists(), "nothing may be written");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left behind"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn openssl_ts_verify_accepts_the_embedded_token() {
    let server = LocalTsa::start();
    let stamped = sign_stamped(&pki().signing_key(), &server.url);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tok.der"), embedded_token(&stamped)).unwrap();
    std::fs::write(dir.path().join("sigvalue.bin"), signature_value(&stamped)).unwrap();
    std::fs::write(dir.path().join("tsa-root.pem"), tsa().root_pem()).unwrap();
    let out = openssl(
        dir.path(),
        &[
            "ts",
            "-verify",
            "-in",
            "tok.der",
            "-token_in",
            "-data",
            "sigvalue.bin",
            "-CAfile",
            "tsa-root.pem",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Verification: OK"));
    // And it refuses the token for other data, so the check above means something.
    std::fs::write(dir.path().join("other.bin"), b"another signature value").unwrap();
    let st = Command::new("openssl")
        .args([
            "ts",
            "-verify",
            "-in",
            "tok.der",
            "-token_in",
            "-data",
            "other.bin",
            "-CAfile",
            "tsa-root.pem",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!st.status.success());
}

/// `openssl ca -gencrl` revoking `serial_hex` of the intermediate's issuance at `revoked`.
fn crl_revoking(serial_hex: &str, subject: &str, revoked: OffsetDateTime) -> Vec<u8> {
    use rsa::pkcs8::EncodePrivateKey;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key_pem = pki()
        .intermediate_key
        .to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
        .unwrap();
    std::fs::write(d.join("inter.key"), key_pem.as_bytes()).unwrap();
    std::fs::write(d.join("inter.pem"), pki().intermediate.to_pem()).unwrap();
    tsa::crl_revoking(
        &d.join("inter.key"),
        &d.join("inter.pem"),
        serial_hex,
        subject,
        revoked,
    )
}

#[test]
fn a_certificate_revoked_before_the_timestamp_invalidates_the_signature() {
    let server = LocalTsa::start();
    let key = short_lived_key();
    let stamped = sign_stamped(&key, &server.url);
    let leaf = key.certificate().clone();
    let subject = "/C=US/O=pqx test/CN=pqx Test Short-Lived Signer";
    let verify_with = |policy: TrustPolicy| {
        verify_bytes(
            &stamped,
            "x.pqx",
            &VerifyOptions::with_policy(policy).at(month_later()),
        )
        .unwrap()
    };

    // Revoked an hour before the timestamp: invalid.
    let mut p = policy_trusting_both();
    p.add_crl(&crl_revoking(
        &leaf.serial_hex(),
        subject,
        OffsetDateTime::now_utc() - time::Duration::hours(1),
    ))
    .unwrap();
    let v = verify_with(p);
    assert_eq!(v.status, SignatureStatus::InvalidCertificate, "{v:?}");
    let reason = v.signatures[0].reason.clone().unwrap();
    assert!(reason.contains("revoked since"), "{reason}");
    let report = Report::from_verification(&v);
    assert!(
        report.certificate_status[0].status.contains("Revoked"),
        "{report:?}"
    );

    // Revoked ten days after the timestamp: the timestamp proves the signature came first.
    let mut p = policy_trusting_both();
    p.add_crl(&crl_revoking(
        &leaf.serial_hex(),
        subject,
        OffsetDateTime::now_utc() + time::Duration::days(10),
    ))
    .unwrap();
    assert_eq!(verify_with(p).status, SignatureStatus::Success);

    // A local revoked list has no dates: revoked at every time.
    let mut p = policy_trusting_both();
    p.revoke(&leaf.thumbprint_sha1()).unwrap();
    assert_eq!(verify_with(p).status, SignatureStatus::InvalidCertificate);
    let mut p = policy_trusting_both();
    p.revoke(&format!("serial:{}", leaf.serial_hex())).unwrap();
    assert_eq!(verify_with(p).status, SignatureStatus::InvalidCertificate);

    // A CRL that names the intermediate but is signed by another key is an error, not ignored.
    let mut forged = crl_revoking("01", subject, OffsetDateTime::now_utc());
    let text = String::from_utf8(forged.clone()).unwrap();
    // Flip a byte of the signature (the last base64 characters before the footer).
    let footer = text.rfind("-----END").unwrap();
    let i = text[..footer].trim_end().len() - 4;
    forged[i] = if forged[i] == b'A' { b'B' } else { b'A' };
    let mut p = policy_trusting_both();
    p.add_crl(&forged).unwrap();
    let v = verify_with(p);
    assert_eq!(v.status, SignatureStatus::InvalidCertificate, "{v:?}");
    assert!(
        v.signatures[0]
            .reason
            .clone()
            .unwrap()
            .contains("not signed by that issuer"),
        "{v:?}"
    );
}

#[test]
fn only_the_exact_timestamp_object_is_allowed_besides_the_package_object() {
    let key = pki().signing_key();
    let plain = sign_bytes(&packed(), "x.pqx", &key, &SignOptions::default())
        .unwrap()
        .output;
    let xml = String::from_utf8(signature_xml(&plain)).unwrap();
    let token = resigned_token(&signature_value(&plain), "tsa", "shape");
    let stamped =
        String::from_utf8(add_timestamp(xml.as_bytes(), &token, &Limits::default()).unwrap())
            .unwrap();
    let parses = |x: &str| parse_signature(x.as_bytes(), "sig", &Limits::default());
    assert_eq!(parses(&stamped).unwrap().timestamp.unwrap().token, token);
    // A second timestamp is refused by add_timestamp itself.
    assert!(add_timestamp(stamped.as_bytes(), &token, &Limits::default()).is_err());

    let object_start = stamped.find("<Object Id=\"idTimestampObject\">").unwrap();
    let object = &stamped[object_start..stamped.len() - "</Signature>".len()];
    let with = |o: &str| format!("{}{o}</Signature>", &stamped[..object_start]);
    let renamed = |from: &str, to: &str| with(&object.replacen(from, to, 1));
    let xades = "xmlns:xades=\"http://uri.etsi.org/01903/v1.3.2#\"";
    for (what, bad) in [
        (
            "a second timestamp Object",
            with(&format!(
                "{object}{}",
                object
                    .replace("idTimestampObject", "idOther")
                    .replace("idSignatureTimeStamp", "idOtherStamp")
            )),
        ),
        (
            "any other Object",
            with("<Object Id=\"x\"><Manifest></Manifest></Object>"),
        ),
        (
            "an Object without Id",
            renamed("<Object Id=\"idTimestampObject\">", "<Object>"),
        ),
        (
            "SignedProperties",
            renamed(
                "<xades:UnsignedProperties>",
                "<xades:SignedProperties></xades:SignedProperties><xades:UnsignedProperties>",
            ),
        ),
        (
            "another unsigned property",
            renamed(
                "</xades:SignatureTimeStamp>",
                "</xades:SignatureTimeStamp><xades:CounterSignature></xades:CounterSignature>",
            ),
        ),
        (
            "a foreign attribute",
            renamed(
                "<xades:EncapsulatedTimeStamp>",
                "<xades:EncapsulatedTimeStamp Foo=\"1\">",
            ),
        ),
        (
            "another Encoding",
            renamed(
                "<xades:EncapsulatedTimeStamp>",
                "<xades:EncapsulatedTimeStamp Encoding=\"urn:ber\">",
            ),
        ),
        (
            "a Target at another signature",
            renamed("Target=\"#SignatureIdValue\"", "Target=\"#Other\""),
        ),
        (
            "another namespace",
            renamed(xades, "xmlns:xades=\"http://uri.etsi.org/01903/v1.1.1#\""),
        ),
        (
            "an element inside the token",
            renamed(
                "<xades:EncapsulatedTimeStamp>",
                "<xades:EncapsulatedTimeStamp><x></x>",
            ),
        ),
    ] {
        assert!(parses(&bad).is_err(), "{what} must be refused:\n{bad}");
    }
}

// ---------------------------------------------------------------- issue 15 §3: timestamps
// never move trust they did not earn; dates from input never panic; real TSAs' tokens.

/// A package signed (no timestamp) by `key`, and the same package with `token` embedded.
fn plain_and_stamped_with(
    key: &pqx_core::keys::SigningKey,
    token: impl FnOnce(&[u8]) -> Vec<u8>,
) -> (Vec<u8>, Vec<u8>) {
    let plain = sign_bytes(&packed(), "x.pqx", key, &SignOptions::default())
        .unwrap()
        .output;
    let tok = token(&signature_value(&plain));
    let xml = add_timestamp(&signature_xml(&plain), &tok, &Limits::default()).unwrap();
    let stamped = with_signature_xml(&plain, &xml);
    (plain, stamped)
}

fn tsa_certificate(name: &str) -> pqx_core::certificate::Certificate {
    pqx_core::certificate::Certificate::from_pem(
        &std::fs::read_to_string(tsa().path(&format!("{name}.pem"))).unwrap(),
    )
    .unwrap()
}

/// A key from the TSA folder's `NAME.key` and `NAME-chain.pem`.
fn tsa_folder_key(name: &str) -> pqx_core::keys::SigningKey {
    pqx_core::keys::SigningKey::from_pem_parts(
        &std::fs::read(tsa().path(&format!("{name}.key"))).unwrap(),
        None,
        &std::fs::read(tsa().path(&format!("{name}-chain.pem"))).unwrap(),
        name,
    )
    .unwrap()
}

#[test]
fn an_untrusted_timestamp_leaves_an_expired_signer_invalid_in_the_makepqx_report() {
    let key = short_lived_key();
    let (_, stamped) = plain_and_stamped_with(&key, |sv| {
        tsa().token_for(sv, "ts.cnf", "sha256", "report").token
    });
    // The TSA's root is not trusted: the token proves no time, so a month later the signer is
    // judged then, has expired, and the MakePQX-shaped report must not call it valid.
    let mut only_signer = TrustPolicy::none();
    only_signer.add_anchor(pki().root.clone());
    let v = verify_bytes(
        &stamped,
        "x.pqx",
        &VerifyOptions::with_policy(only_signer).at(month_later()),
    )
    .unwrap();
    assert_eq!(v.status, SignatureStatus::InvalidCertificate, "{v:?}");
    let report = Report::from_verification(&v);
    let leaf = &report.certificate_status[0];
    assert!(!leaf.valid, "{leaf:?}");
    assert!(leaf.status.contains("NotTimeValid"), "{leaf:?}");
    assert!(!report.signatures[0].trusted);

    // The same token with the TSA trusted proves the signing time: the chain is judged at
    // the token's time, when the leaf was valid.
    let v = verify_bytes(
        &stamped,
        "x.pqx",
        &VerifyOptions::with_policy(policy_trusting_both()).at(month_later()),
    )
    .unwrap();
    assert_eq!(v.status, SignatureStatus::Success, "{v:?}");
    let report = Report::from_verification(&v);
    let leaf = &report.certificate_status[0];
    assert!(leaf.valid, "{leaf:?}");
    assert_eq!(leaf.status, "NoError");
    assert!(report.signatures[0].trusted);
}

#[test]
fn tokens_dated_at_the_edges_of_time_never_panic() {
    let key = pki().signing_key();
    let forever = tsa_certificate_path_forever();
    let mut trusting_forever = policy_trusting_both();
    trusting_forever.add_anchor(
        pqx_core::certificate::Certificate::from_pem(&std::fs::read_to_string(forever).unwrap())
            .unwrap(),
    );
    // A valid, trusted token dated at the very end of 9999 (the TSA's last second) moves the
    // evaluation time there: the signer has long expired (and `t + 5 minutes` did not
    // overflow on the way). A fraction of a second later the TSA itself has expired.
    for (gen_time, tsa_valid) in [
        ("99991231235959Z", true),
        ("99991231235959.999999999Z", false),
    ] {
        let (_, stamped) = plain_and_stamped_with(&key, |sv| {
            tsa().forged_token(sv, gen_time, "tsa-forever", "edge9999")
        });
        let v = verify_bytes(
            &stamped,
            "x.pqx",
            &VerifyOptions::with_policy(trusting_forever.clone()),
        )
        .unwrap();
        assert_eq!(v.status, SignatureStatus::InvalidCertificate, "{v:?}");
        let ts = v.signatures[0].timestamp.clone().unwrap();
        assert_eq!(ts.is_trusted(), tsa_valid, "{gen_time}: {:?}", ts.reason);
        assert_eq!(ts.time.unwrap().year(), 9999);
        let reason = v.signatures[0].reason.clone().unwrap();
        assert!(reason.contains("expired on"), "{reason}");
        if !tsa_valid {
            assert!(reason.contains("time-stamp authority"), "{reason}");
            continue;
        }
        let _ = Report::from_verification(&v).to_json();
        // Untrusted, it moves nothing and the signer is valid now.
        let v = verify_bytes(&stamped, "x.pqx", &VerifyOptions::default()).unwrap();
        assert_eq!(v.status, SignatureStatus::Success, "{v:?}");
        let _ = Report::from_verification(&v).to_json();
    }
    // Tokens from before the TSA existed (year 0000, 1950, 1969): the TSA is not valid yet.
    for gen_time in ["00000101000000Z", "19500101000000Z", "19691231235959.5Z"] {
        let (_, stamped) =
            plain_and_stamped_with(&key, |sv| tsa().forged_token(sv, gen_time, "tsa", "edge0"));
        let v = verify_bytes(
            &stamped,
            "x.pqx",
            &VerifyOptions::with_policy(policy_trusting_both()),
        )
        .unwrap();
        assert_eq!(
            v.status,
            SignatureStatus::InvalidCertificate,
            "{gen_time}: {v:?}"
        );
        let reason = v.signatures[0].reason.clone().unwrap();
        assert!(reason.contains("not valid yet"), "{gen_time}: {reason}");
        let _ = Report::from_verification(&v).to_text();
    }
    // A genTime that is not RFC 3161's form is malformed, not a panic.
    for gen_time in [
        "99991231235960Z",
        "20240501134512.50Z",
        "20240501134512+0100",
    ] {
        let (_, stamped) = plain_and_stamped_with(&key, |sv| {
            tsa().forged_token(sv, gen_time, "tsa", "edgebad")
        });
        let v = verify_bytes(&stamped, "x.pqx", &VerifyOptions::default()).unwrap();
        assert_eq!(
            v.status,
            SignatureStatus::MalformedSignature,
            "{gen_time}: {v:?}"
        );
        assert!(
            v.signatures[0].reason.clone().unwrap().contains("TSTInfo"),
            "{v:?}"
        );
    }
}

fn tsa_certificate_path_forever() -> std::path::PathBuf {
    tsa().forever_tsa()
}

#[test]
fn a_signature_time_at_the_largest_date_does_not_panic() {
    let max = time::macros::datetime!(9999-12-31 23:59:59 UTC);
    let opts = TestPkiOptions {
        leaf_key: Some(pki().leaf_key.clone()),
        leaf_not_after: max,
        leaf_common_name: "pqx Test Signer Until 9999".into(),
        ..TestPkiOptions::default()
    };
    let (cert, key) = pki().issue_leaf(&opts).expect("leaf");
    let key = pqx_core::keys::SigningKey::from_parts(
        key,
        vec![cert, pki().intermediate.clone(), pki().root.clone()],
    )
    .unwrap();
    // Signing at 9999-12-31T23:59:59 needs a policy that ignores the CA chain's own expiry;
    // what matters is the SignatureTime such a signature carries.
    let mut lenient = pqx_core::policy::CertificatePolicy::code_signing();
    lenient.fatal_chain_flags = pqx_core::trust::ChainStatus::NO_ERROR;
    let mut sign_opts = SignOptions::default().time(max);
    sign_opts.policy = lenient;
    let signed = sign_bytes(&packed(), "x.pqx", &key, &sign_opts)
        .unwrap()
        .output;
    let xml = String::from_utf8(signature_xml(&signed)).unwrap();
    assert!(xml.contains("9999-12-31T23:59:59.0+00:00"), "{xml}");
    // The claimed time is the certificate's last second: valid, and nothing overflowed.
    let v = verify_bytes(&signed, "x.pqx", &VerifyOptions::default()).unwrap();
    assert_eq!(v.status, SignatureStatus::Success, "{v:?}");
    let _ = Report::from_verification(&v).to_json();
    // The same signature time with a timestamp from the ordinary TSA (valid now).
    let token = tsa()
        .token_for(&signature_value(&signed), "ts.cnf", "sha256", "maxtime")
        .token;
    let xml = add_timestamp(&signature_xml(&signed), &token, &Limits::default()).unwrap();
    let v = verify_bytes(
        &with_signature_xml(&signed, &xml),
        "x.pqx",
        &VerifyOptions::with_policy(policy_trusting_both()),
    )
    .unwrap();
    assert_eq!(v.status, SignatureStatus::Success, "{v:?}");
    assert!(
        v.signatures[0].warnings.iter().any(|w| matches!(
            w,
            Warning::SignatureTimeAfterTimestamp { .. }
        ) && w
            .to_string()
            .contains("after the timestamp's time")),
        "{v:?}"
    );
}

#[test]
fn a_code_signing_certificate_that_also_lists_time_stamping_cannot_time_stamp_itself() {
    let key = tsa_folder_key("dual");
    let hundred_days_ago = OffsetDateTime::now_utc() - time::Duration::days(100);
    let gen_time = format!(
        "{:04}{:02}{:02}120000Z",
        hundred_days_ago.year(),
        u8::from(hundred_days_ago.month()),
        hundred_days_ago.day()
    );
    let (_, stamped) =
        plain_and_stamped_with(&key, |sv| tsa().forged_token(sv, &gen_time, "dual", "dual"));
    // Revoked an hour ago by a CRL of its root, which the policy trusts.
    let mut policy = policy_trusting_both();
    let serial = String::from_utf8(
        openssl(
            tsa().dir(),
            &["x509", "-in", "dual.pem", "-noout", "-serial"],
        )
        .stdout,
    )
    .unwrap()
    .trim()
    .trim_start_matches("serial=")
    .to_owned();
    policy
        .add_crl(&tsa::crl_revoking(
            &tsa().path("tsa-root.key"),
            &tsa().root(),
            &serial,
            tsa::DUAL_SUBJECT,
            OffsetDateTime::now_utc() - time::Duration::hours(1),
        ))
        .unwrap();
    let v = verify_bytes(&stamped, "x.pqx", &VerifyOptions::with_policy(policy)).unwrap();
    assert_eq!(v.status, SignatureStatus::InvalidCertificate, "{v:?}");
    assert!(!v.is_trusted());
    let ts = v.signatures[0].timestamp.clone().unwrap();
    assert!(!ts.is_valid(), "{ts:?}");
    let reason = v.signatures[0].reason.clone().unwrap();
    assert!(reason.contains("time-stamping authority"), "{reason}");
}

#[test]
fn a_tsa_whose_time_stamping_eku_is_not_critical_is_refused_as_openssl_refuses_it() {
    let key = pki().signing_key();
    let dir = tempfile::tempdir().unwrap();
    let now = OffsetDateTime::now_utc();
    let gen_time = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    std::fs::write(dir.path().join("tsa-root.pem"), tsa().root_pem()).unwrap();
    for (signer, ok) in [("tsa", true), ("tsa-noncritical", false)] {
        let mut token = Vec::new();
        let (plain, stamped) = plain_and_stamped_with(&key, |sv| {
            token = tsa().forged_token(sv, &gen_time, signer, "noncrit");
            token.clone()
        });
        let v = verify_bytes(
            &stamped,
            "x.pqx",
            &VerifyOptions::with_policy(policy_trusting_both()),
        )
        .unwrap();
        if ok {
            assert_eq!(v.status, SignatureStatus::Success, "{v:?}");
        } else {
            assert_eq!(v.status, SignatureStatus::InvalidCertificate, "{v:?}");
            let reason = v.signatures[0].reason.clone().unwrap();
            assert!(reason.contains("must be critical"), "{reason}");
        }
        // openssl ts -verify agrees, both ways.
        std::fs::write(dir.path().join("tok.der"), &token).unwrap();
        std::fs::write(dir.path().join("sv.bin"), signature_value(&plain)).unwrap();
        let out = Command::new("openssl")
            .args([
                "ts",
                "-verify",
                "-in",
                "tok.der",
                "-token_in",
                "-data",
                "sv.bin",
                "-CAfile",
                "tsa-root.pem",
            ])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(
            out.status.success(),
            ok,
            "openssl ts -verify for {signer}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn sha1_in_a_token_is_reported_as_weak() {
    let key = pki().signing_key();
    for (config, digest, weak) in [
        ("ts.cnf", "sha256", false),
        ("ts.cnf", "sha1", true),        // SHA-1 imprint
        ("ts-sha1.cnf", "sha256", true), // SHA-1 TSA signature, ESSCertID v1
    ] {
        let mut token = Vec::new();
        let (_, stamped) = plain_and_stamped_with(&key, |sv| {
            token = tsa().token_for(sv, config, digest, "sha1").token;
            token.clone()
        });
        // ts-sha1.cnf's token names its certificate with ESSCertID v1 (SHA-1), the others
        // with v2: both forms must verify.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.der"), &token).unwrap();
        let asn1 = String::from_utf8(
            openssl(dir.path(), &["asn1parse", "-inform", "DER", "-in", "t.der"]).stdout,
        )
        .unwrap();
        let v1 = asn1
            .lines()
            .any(|l| l.trim_end().ends_with(":id-smime-aa-signingCertificate"));
        assert_eq!(v1, config == "ts-sha1.cnf", "{asn1}");
        let v = verify_bytes(
            &stamped,
            "x.pqx",
            &VerifyOptions::with_policy(policy_trusting_both()),
        )
        .unwrap();
        assert_eq!(
            v.status,
            SignatureStatus::Success,
            "{config} {digest}: {v:?}"
        );
        let warned = v.signatures[0].warnings.contains(&Warning::Sha1Timestamp);
        assert_eq!(warned, weak, "{config} {digest}: {v:?}");
        assert_eq!(
            v.warnings.contains(&Warning::Sha1InPackage),
            weak,
            "{config} {digest}: {v:?}"
        );
    }
}

/// `openssl ts -reply -in RESPONSE -text`, as `field: value` lines.
fn openssl_reply_text(dir: &std::path::Path, response: &str) -> Vec<(String, String)> {
    // No configuration file: the default one names some OIDs (1.2.3.4.1 = "tsa_policy1").
    let out = Command::new("openssl")
        .args(["ts", "-reply", "-in", response, "-text"])
        .env("OPENSSL_CONF", "/dev/null")
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut fields = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some((k, v)) = line.split_once(": ") {
            fields.push((k.trim().to_owned(), v.trim().to_owned()));
        } else if line.trim_end() == "Message data:" {
            let mut hex = String::new();
            while let Some(l) = lines.peek().filter(|l| l.starts_with("    ")) {
                // "    0000 - 9b 71 d2 24 ...-5d 96   .q.$" : the bytes between " - " and "   ".
                let bytes = l.split(" - ").nth(1).unwrap_or("");
                let bytes = bytes.split("   ").next().unwrap_or("");
                hex.push_str(&bytes.replace(['-', ' '], ""));
                lines.next();
            }
            fields.push(("Message data".into(), hex.to_ascii_uppercase()));
        }
    }
    fields
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {fields:?}"))
}

/// "Oct  8 15:40:32.123 2024 GMT", as `openssl ts -text` prints genTime.
fn openssl_time(text: &str) -> OffsetDateTime {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [mon, day, hms, year, "GMT"] = parts.as_slice() else {
        panic!("unexpected openssl time {text:?}")
    };
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = months.iter().position(|m| m == mon).unwrap() as u8 + 1;
    let (hms, frac) = hms.split_once('.').unwrap_or((hms, ""));
    let mut it = hms.split(':').map(|x| x.parse::<u8>().unwrap());
    let (h, m, s) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
    let nanos = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}").parse().unwrap()
    };
    time::PrimitiveDateTime::new(
        time::Date::from_calendar_date(
            year.parse().unwrap(),
            time::Month::try_from(month).unwrap(),
            day.parse().unwrap(),
        )
        .unwrap(),
        time::Time::from_hms_nano(h, m, s, nanos).unwrap(),
    )
    .assume_utc()
}

/// Checks pqx's reading of a `TimeStampResp` file against `openssl ts -reply -text`: time
/// (fraction included), imprint and its digest, serial, policy, nonce, accuracy and the
/// number of certificates (`openssl pkcs7 -print_certs`).
fn assert_token_reads_as_openssl_reads_it(dir: &std::path::Path, response: &str) {
    use pqx_core::cms::timestamp::{parse_token, token_from_response};
    let der = std::fs::read(dir.join(response)).unwrap();
    let token = token_from_response(&der).unwrap();
    let info = parse_token(&token).unwrap_or_else(|e| panic!("{response}: {e}"));
    let f = openssl_reply_text(dir, response);
    assert_eq!(
        info.time,
        openssl_time(field(&f, "Time stamp")),
        "{response}"
    );
    assert_eq!(info.policy, field(&f, "Policy OID"), "{response}");
    assert_eq!(hex::encode_upper(&info.imprint), field(&f, "Message data"));
    let alg = field(&f, "Hash Algorithm");
    assert_eq!(
        info.imprint_digest.map(|d| d.name().to_owned()),
        Some(alg.to_owned()),
        "{response}"
    );
    // openssl prints the serial as 0x + hex of the value (no leading zero byte).
    let serial = field(&f, "Serial number").trim_start_matches("0x");
    assert_eq!(
        info.serial.trim_start_matches('0'),
        serial.trim_start_matches('0')
    );
    match field(&f, "Nonce") {
        "unspecified" => assert_eq!(info.nonce, None),
        n => assert_eq!(
            info.nonce.as_deref().map(|x| x.trim_start_matches('0')),
            Some(n.trim_start_matches("0x").trim_start_matches('0'))
        ),
    }
    // "Accuracy: 0x01 seconds, 0x01F4 millis, 0x64 micros" (or "unspecified").
    let acc = field(&f, "Accuracy");
    if acc == "unspecified" {
        assert_eq!(info.accuracy, None);
    } else {
        let unit = |u: &str| -> i64 {
            acc.split(", ")
                .find(|p| p.ends_with(u))
                .and_then(|p| p.split(' ').next())
                .filter(|v| *v != "unspecified")
                .map(|v| i64::from_str_radix(v.trim_start_matches("0x"), 16).unwrap())
                .unwrap_or(0)
        };
        let expected = time::Duration::seconds(unit("seconds"))
            + time::Duration::milliseconds(unit("millis"))
            + time::Duration::microseconds(unit("micros"));
        assert_eq!(info.accuracy, Some(expected), "{response}: {acc}");
    }
    assert_eq!(info.ordering, field(&f, "Ordering") == "yes", "{response}");
    std::fs::write(dir.join("certs.tok"), &token).unwrap();
    let certs = openssl(
        dir,
        &[
            "pkcs7",
            "-inform",
            "DER",
            "-in",
            "certs.tok",
            "-print_certs",
        ],
    );
    let n = String::from_utf8_lossy(&certs.stdout)
        .matches("-----BEGIN CERTIFICATE-----")
        .count();
    assert_eq!(info.certificates.len(), n, "{response}");
}

#[test]
fn fractional_gen_time_from_openssl_clock_precision_digits_is_accepted() {
    let key = pki().signing_key();
    let mut response = Vec::new();
    let (_, stamped) = plain_and_stamped_with(&key, |sv| {
        let t = tsa().token_for(sv, "ts-precise.cnf", "sha256", "precise");
        response = t.response;
        t.token
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("precise.tsr"), &response).unwrap();
    assert_token_reads_as_openssl_reads_it(dir.path(), "precise.tsr");
    let f = openssl_reply_text(dir.path(), "precise.tsr");
    let openssl_says = openssl_time(field(&f, "Time stamp"));
    let v = verify_bytes(
        &stamped,
        "x.pqx",
        &VerifyOptions::with_policy(policy_trusting_both()),
    )
    .unwrap();
    assert_eq!(v.status, SignatureStatus::Success, "{v:?}");
    let ts = v.signatures[0].timestamp.clone().unwrap();
    assert!(ts.is_trusted());
    // The evaluation time is the token's, fraction included (a 1-in-1000 chance that the
    // clock was on a whole second; then openssl prints no fraction either).
    assert_eq!(ts.time, Some(openssl_says));
    assert!(
        field(&f, "Time stamp").contains('.') || openssl_says.millisecond() == 0,
        "{f:?}"
    );
}

#[test]
fn a_tsa_certificate_issued_by_an_intermediate_in_the_token_is_accepted() {
    let key = short_lived_key();
    let (_, stamped) = plain_and_stamped_with(&key, |sv| {
        tsa()
            .token_for(sv, "ts-intermediate.cnf", "sha256", "inter")
            .token
    });
    let v = verify_bytes(
        &stamped,
        "x.pqx",
        &VerifyOptions::with_policy(policy_trusting_both()).at(month_later()),
    )
    .unwrap();
    assert_eq!(v.status, SignatureStatus::Success, "{v:?}");
    let ts = v.signatures[0].timestamp.clone().unwrap();
    assert!(ts.is_trusted(), "{ts:?}");
    assert_eq!(ts.authority, Some(tsa_certificate("tsa-leaf")));
    assert_eq!(ts.chain.unwrap().elements.len(), 3);
}

#[test]
fn tokens_of_public_tsas_read_as_openssl_reads_them() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tsa");
    let mut seen = 0;
    for entry in std::fs::read_dir(&data).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".tsr") {
            // A scratch folder: the check writes files next to the response.
            let dir = tempfile::tempdir().unwrap();
            std::fs::copy(data.join(&name), dir.path().join(&name)).unwrap();
            assert_token_reads_as_openssl_reads_it(dir.path(), &name);
            seen += 1;
        }
    }
    assert!(seen >= 3, "the fixtures are missing");
}
