//! pqx's certificate path validation measured against x509-limbo (C2SP/x509-limbo), a
//! peer suite of RFC 5280 and Web PKI cases: `tests/data/limbo/limbo-subset.json` (see its
//! README for the source commit, what is skipped and why).
//!
//! Each case runs through the same mechanics a `.pqx` signer's chain goes through:
//! [`build_chain_for`] with the case's trusted certificates as anchors, its untrusted
//! intermediates as the other certificates, its validation time, its chain-depth limit, and
//! a [`KeyPurpose`] for the extended key usage the case asks for (serverAuth for a SERVER case
//! that names none, clientAuth for a CLIENT one), then [`CertificatePolicy`]'s fatal chain
//! flags, and the signer policy's rule that a CA certificate issued by another is no leaf. A
//! case is *accepted* when the chain is anchored and carries no fatal flag. The leaf's key type
//! and size are not judged (limbo's leaves are mostly ECDSA; pqx's own signer rule,
//! RSA ≥ 2048, is tested elsewhere): this measures path validation, not the signer policy.
//!
//! The test fails on any **false accept** (limbo expects FAILURE, pqx accepts), listing them.
//! False rejects are printed and documented in docs/SECURITY.md.

use pqx_core::certificate::{Certificate, KeyPurpose};
use pqx_core::policy::CertificatePolicy;
use pqx_core::trust::{build_chain_for, ChainStatus, TrustPolicy};
use serde_json::Value;
use std::collections::BTreeMap;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const SUBSET: &str = include_str!("data/limbo/limbo-subset.json");

const SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";

/// pqx's verdict on one case: accepted, or the reason it was rejected.
fn run_case(case: &Value) -> Result<(), String> {
    let pems = |key: &str| -> Result<Vec<Certificate>, String> {
        let mut out = Vec::new();
        for pem in case[key].as_array().into_iter().flatten() {
            let text = pem.as_str().ok_or("certificate is not a string")?;
            out.push(Certificate::from_pem(text).map_err(|e| format!("parse: {e}"))?);
        }
        Ok(out)
    };
    let anchors = pems("trusted_certs")?;
    let others = pems("untrusted_intermediates")?;
    let leaf = Certificate::from_pem(case["peer_certificate"].as_str().unwrap_or(""))
        .map_err(|e| format!("parse: {e}"))?;
    let at = match case["validation_time"].as_str() {
        Some(t) => OffsetDateTime::parse(t, &Rfc3339).map_err(|e| e.to_string())?,
        None => OffsetDateTime::now_utc(),
    };
    let mut trust = TrustPolicy::none();
    for a in anchors {
        trust.add_anchor(a);
    }
    if let Some(depth) = case["max_chain_depth"].as_u64() {
        // limbo's depth counts intermediates; pqx's cap counts the leaf and the root too.
        trust.max_chain_len = usize::try_from(depth)
            .unwrap_or(usize::MAX)
            .saturating_add(2);
    }
    let eku = case["extended_key_usage"]
        .as_array()
        .and_then(|a| a.first())
        .and_then(Value::as_str)
        .map(|s| match s {
            "serverAuth" => SERVER_AUTH,
            "clientAuth" => CLIENT_AUTH,
            other => other,
        })
        .unwrap_or(if case["validation_kind"] == "CLIENT" {
            CLIENT_AUTH
        } else {
            SERVER_AUTH
        });
    // The signer policy's rule 2 (CertificatePolicy): a CA issued by another is no signer.
    if leaf.is_ca() && !leaf.is_self_signed() {
        return Err("a CA certificate issued by another CA as the leaf".into());
    }
    let oid = eku.parse().map_err(|e| format!("EKU {eku}: {e:?}"))?;
    let chain = build_chain_for(KeyPurpose::Other(oid), &leaf, &others, &trust, at);
    if std::env::var("LIMBO_CASE").is_ok_and(|c| case["id"] == c.as_str()) {
        for e in &chain.elements {
            eprintln!(
                "{} <- {}: {}",
                e.certificate.subject(),
                e.certificate.issuer(),
                e.status
            );
        }
    }
    let fatal = ChainStatus::from_bits(
        chain.status.bits() & CertificatePolicy::code_signing().fatal_chain_flags.bits(),
    );
    if !fatal.is_ok() {
        return Err(fatal.to_dotnet_string());
    }
    if !chain.is_trusted() {
        return Err(chain.status.to_dotnet_string());
    }
    Ok(())
}

#[derive(Default)]
struct Counts {
    pass: usize,
    skip: usize,
    false_reject: usize,
    false_accept: usize,
}

#[test]
fn limbo_has_no_false_accepts() {
    let subset: Value = serde_json::from_str(SUBSET).expect("fixture is JSON");
    let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
    let category = |id: &str| id.split("::").next().unwrap_or(id).to_owned();
    for s in subset["skipped"].as_array().expect("skipped list") {
        counts
            .entry(category(s["id"].as_str().unwrap_or("")))
            .or_default()
            .skip += 1;
    }
    let cases = subset["testcases"].as_array().expect("testcases");
    assert!(cases.len() > 100, "the fixture lost its cases");
    let (mut false_accepts, mut false_rejects) = (Vec::new(), Vec::new());
    for case in cases {
        let id = case["id"].as_str().unwrap_or("?").to_owned();
        let expect_success = case["expected_result"] == "SUCCESS";
        let c = counts.entry(category(&id)).or_default();
        match (run_case(case), expect_success) {
            (Ok(()), true) | (Err(_), false) => c.pass += 1,
            (Ok(()), false) => {
                c.false_accept += 1;
                false_accepts.push(id);
            }
            (Err(why), true) => {
                c.false_reject += 1;
                false_rejects.push(format!("{id}: {why}"));
            }
        }
    }
    println!("category      pass  skip  false-reject  false-accept");
    for (cat, c) in &counts {
        println!(
            "{cat:<12} {:>5} {:>5} {:>13} {:>13}",
            c.pass, c.skip, c.false_reject, c.false_accept
        );
    }
    println!("false rejects ({}):", false_rejects.len());
    for r in &false_rejects {
        println!("  {r}");
    }
    assert!(
        false_accepts.is_empty(),
        "pqx accepts {} chain(s) x509-limbo expects to fail: {false_accepts:#?}",
        false_accepts.len()
    );
}
