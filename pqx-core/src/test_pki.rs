//! Throwaway test PKI (root → intermediate → leaf) made at run time, for demos and tests.
//!
//! **NOT FOR PRODUCTION.** Everything here exists so that `pqx demo`, the tests of every
//! crate and the FFI/wasm fixtures can sign packages without shipping private keys in the
//! repository. The keys live only in memory, the names say "pqx Test" so that nobody mistakes
//! the material for real, and no revocation information exists for any of it. Never add a
//! test root to a trust store you use for anything else.
//!
//! Cost: generating an RSA key is the slow part. A 2048-bit key takes roughly 0.2–1 s when
//! dependencies are built with `opt-level = 2` (the workspace sets that for the dev profile),
//! and many seconds unoptimised; [`TestPki::generate`] makes three. Tests should build one
//! PKI per test binary (in a `std::sync::OnceLock`) and reuse keys through
//! [`TestPkiOptions::leaf_key`] when issuing extra leaves.
//!
//! Certificates are built with `x509-cert`'s builder and signed with `rsa`'s PKCS#1 v1.5,
//! which is also how [`issue_certificate`] makes the odd certificates negative tests need
//! (non-CA issuers, SHA-1 signatures, forged names).

use crate::certificate::{pem, Certificate};
use crate::digest::DigestAlgorithm;
use crate::error::{Error, Result};
use crate::keys::{pkcs1v15_scheme, SigningKey};
use const_oid::db::rfc5280::ID_KP_CODE_SIGNING;
use const_oid::ObjectIdentifier;
use der::asn1::{GeneralizedTime, PrintableStringRef, SetOfVec, Utf8StringRef};
use der::{Any, Encode, Tag};
use rand_core::RngCore;
use rsa::pkcs8::EncodePrivateKey;
use rsa::{RsaPrivateKey, RsaPublicKey};
use spki::{
    AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, EncodePublicKey,
    SubjectPublicKeyInfoOwned,
};
use time::{Duration, OffsetDateTime};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_cert::ext::Extension;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

/// Organisation name of every test certificate, so test material is obviously test material.
pub const TEST_ORGANIZATION: &str = "pqx test";
/// Common name of the test root CA.
pub const TEST_ROOT_CN: &str = "pqx Test Root CA";
/// Common name of the test intermediate CA.
pub const TEST_INTERMEDIATE_CN: &str = "pqx Test Intermediate CA";

/// Options for [`TestPki::generate`] and [`TestPki::issue_leaf`]. Every field has a
/// sensible [`Default`]; override just what a test is about.
#[derive(Clone, Debug)]
pub struct TestPkiOptions {
    /// RSA modulus size of generated keys (default 2048). `generate` uses it for all three
    /// keys, `issue_leaf` for the leaf key only.
    pub key_bits: usize,
    /// Put code signing (1.3.6.1.5.5.7.3.3) in the leaf's extended key usage (default true).
    pub leaf_eku_code_signing: bool,
    /// Other extended key usages for the leaf (default none). The EKU extension is written
    /// when this or `leaf_eku_code_signing` asks for anything: `false` + `[serverAuth]` makes
    /// a leaf whose EKU forbids code signing, `false` + `[]` a leaf with no EKU at all.
    pub leaf_other_eku: Vec<ObjectIdentifier>,
    /// Leaf validity start (default: yesterday).
    pub leaf_not_before: OffsetDateTime,
    /// Leaf validity end (default: a year from now).
    pub leaf_not_after: OffsetDateTime,
    /// Leaf common name (default "pqx Test Signer"); the subject is `CN=…, O=pqx test, C=US`.
    pub leaf_common_name: String,
    /// Digest the intermediate signs the leaf certificate with (default SHA-256; SHA-1 for
    /// weak-signature tests).
    pub leaf_signature_digest: DigestAlgorithm,
    /// Reuse this key for the leaf instead of generating one: key generation dominates test
    /// time, and most negative tests are about the certificate, not the key.
    pub leaf_key: Option<RsaPrivateKey>,
}

impl Default for TestPkiOptions {
    fn default() -> Self {
        let now = now_seconds();
        TestPkiOptions {
            key_bits: 2048,
            leaf_eku_code_signing: true,
            leaf_other_eku: Vec::new(),
            leaf_not_before: now - Duration::days(1),
            leaf_not_after: now + Duration::days(365),
            leaf_common_name: "pqx Test Signer".to_owned(),
            leaf_signature_digest: DigestAlgorithm::Sha256,
            leaf_key: None,
        }
    }
}

/// What kind of certificate [`issue_certificate`] makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertKind {
    /// A CA (basicConstraints cA=true, keyCertSign + cRLSign), optionally with a path
    /// length constraint. Self-signed when no issuer is given.
    Ca {
        /// basicConstraints pathLenConstraint.
        path_len: Option<u8>,
    },
    /// An end-entity certificate (cA=false, digitalSignature + nonRepudiation).
    Leaf,
    /// An end-entity certificate with no basicConstraints, only keyUsage digitalSignature
    /// (and the spec's EKU): the shape PowerShell's `New-SelfSignedCertificate -Type
    /// CodeSigningCert` makes when self-signed.
    Bare,
}

/// Everything [`issue_certificate`] needs besides keys.
#[derive(Clone, Debug)]
pub struct CertSpec {
    /// Common name; the subject is `CN=…, O=pqx test, C=US`.
    pub common_name: String,
    /// CA or leaf.
    pub kind: CertKind,
    /// Validity start.
    pub not_before: OffsetDateTime,
    /// Validity end.
    pub not_after: OffsetDateTime,
    /// Extended key usages; empty means no EKU extension.
    pub eku: Vec<ObjectIdentifier>,
    /// Digest of the issuer's RSA PKCS#1 v1.5 signature.
    pub digest: DigestAlgorithm,
}

/// A throwaway root → intermediate → leaf PKI. NOT for production: see the module docs.
#[derive(Clone, Debug)]
pub struct TestPki {
    /// Self-signed root CA.
    pub root: Certificate,
    /// Intermediate CA issued by the root.
    pub intermediate: Certificate,
    /// Code-signing leaf issued by the intermediate.
    pub leaf: Certificate,
    /// The leaf's private key.
    pub leaf_key: RsaPrivateKey,
    /// The root's private key.
    pub root_key: RsaPrivateKey,
    /// The intermediate's private key.
    pub intermediate_key: RsaPrivateKey,
}

impl TestPki {
    /// Generates root (self-signed CA, 10 years) → intermediate CA (path length 0) → leaf
    /// (code-signing EKU unless disabled, digitalSignature key usage). Slow: three RSA keys.
    pub fn generate(opts: &TestPkiOptions) -> Result<Self> {
        let now = now_seconds();
        let ca_spec = |cn: &str, path_len| CertSpec {
            common_name: cn.to_owned(),
            kind: CertKind::Ca { path_len },
            not_before: now - Duration::days(1),
            not_after: now + Duration::days(3650),
            eku: Vec::new(),
            digest: DigestAlgorithm::Sha256,
        };
        let root_key = generate_key(opts.key_bits)?;
        let root = issue_certificate(&ca_spec(TEST_ROOT_CN, None), &root_key, None)?;
        let intermediate_key = generate_key(opts.key_bits)?;
        let intermediate = issue_certificate(
            &ca_spec(TEST_INTERMEDIATE_CN, Some(0)),
            &intermediate_key,
            Some((&root, &root_key)),
        )?;
        let (leaf, leaf_key) = leaf_from(opts, opts.key_bits, &intermediate, &intermediate_key)?;
        Ok(TestPki {
            root,
            intermediate,
            leaf,
            leaf_key,
            root_key,
            intermediate_key,
        })
    }

    /// The leaf's signing key with chain `[leaf, intermediate, root]`.
    pub fn signing_key(&self) -> SigningKey {
        SigningKey::assemble(
            self.leaf_key.clone(),
            self.leaf.clone(),
            vec![self.intermediate.clone(), self.root.clone()],
        )
    }

    /// The leaf key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). Empty only if
    /// encoding fails, which it does not for keys this module made.
    pub fn leaf_key_pkcs8_pem(&self) -> String {
        self.leaf_key
            .to_pkcs8_der()
            .map(|doc| pem::encode_block("PRIVATE KEY", doc.as_bytes()))
            .unwrap_or_default()
    }

    /// PEM of leaf, intermediate and root, in that order.
    pub fn chain_pem(&self) -> String {
        [&self.leaf, &self.intermediate, &self.root]
            .iter()
            .map(|c| c.to_pem())
            .collect()
    }

    /// Issues another leaf from the intermediate with other options (expired, no EKU,
    /// 1024-bit key, SHA-1 signature…) for negative tests.
    pub fn issue_leaf(&self, opts: &TestPkiOptions) -> Result<(Certificate, RsaPrivateKey)> {
        leaf_from(
            opts,
            opts.key_bits,
            &self.intermediate,
            &self.intermediate_key,
        )
    }
}

fn leaf_from(
    opts: &TestPkiOptions,
    bits: usize,
    issuer: &Certificate,
    issuer_key: &RsaPrivateKey,
) -> Result<(Certificate, RsaPrivateKey)> {
    let key = match &opts.leaf_key {
        Some(k) => k.clone(),
        None => generate_key(bits)?,
    };
    let mut eku = Vec::new();
    if opts.leaf_eku_code_signing {
        eku.push(ID_KP_CODE_SIGNING);
    }
    eku.extend(opts.leaf_other_eku.iter().copied());
    let spec = CertSpec {
        common_name: opts.leaf_common_name.clone(),
        kind: CertKind::Leaf,
        not_before: opts.leaf_not_before,
        not_after: opts.leaf_not_after,
        eku,
        digest: opts.leaf_signature_digest,
    };
    let cert = issue_certificate(&spec, &key, Some((issuer, issuer_key)))?;
    Ok((cert, key))
}

/// Generates an RSA key of `bits` bits with the OS random generator (slow: see the module
/// docs).
pub fn generate_key(bits: usize) -> Result<RsaPrivateKey> {
    RsaPrivateKey::new(&mut rand_core::OsRng, bits)
        .map_err(|e| Error::Crypto(format!("RSA key generation: {e}")))
}

/// Issues a certificate for `subject_key` as `spec` says, signed by `issuer` (certificate and
/// key), or self-signed when `issuer` is `None`. The issuer is not checked in any way (it may
/// be a non-CA, or a name may be reused with another key): negative tests need exactly that.
pub fn issue_certificate(
    spec: &CertSpec,
    subject_key: &RsaPrivateKey,
    issuer: Option<(&Certificate, &RsaPrivateKey)>,
) -> Result<Certificate> {
    issue_certificate_with_extensions(spec, &[], subject_key, issuer)
}

/// [`issue_certificate`] with `extra` extensions appended verbatim (any OID, any
/// criticality, any content) after the ones `spec.kind` implies — path-validation tests need
/// certificates no well-behaved builder makes (an unknown critical extension, a CA whose
/// keyUsage lacks keyCertSign, name constraints). With [`CertKind::Bare`] an extra keyUsage
/// replaces the default digitalSignature one.
pub fn issue_certificate_with_extensions(
    spec: &CertSpec,
    extra: &[Extension],
    subject_key: &RsaPrivateKey,
    issuer: Option<(&Certificate, &RsaPrivateKey)>,
) -> Result<Certificate> {
    let err =
        |what: &str, e: &dyn std::fmt::Display| Error::Crypto(format!("test PKI: {what}: {e}"));
    let subject = test_name(&spec.common_name)?;
    let spki_der = subject_key
        .to_public_key()
        .to_public_key_der()
        .map_err(|e| err("public key", &e))?;
    let spki = SubjectPublicKeyInfoOwned::try_from(spki_der.as_bytes())
        .map_err(|e| err("public key", &e))?;
    let validity = Validity {
        not_before: x509_time(spec.not_before)?,
        not_after: x509_time(spec.not_after)?,
    };
    let (signer_key, issuer_name) = match issuer {
        Some((cert, key)) => (key, Some(cert.inner().tbs_certificate.subject.clone())),
        None => (subject_key, None),
    };
    let profile = match (spec.kind, issuer_name) {
        (CertKind::Ca { .. }, None) | (CertKind::Leaf, None) => Profile::Root,
        (CertKind::Ca { path_len }, Some(issuer)) => Profile::SubCA {
            issuer,
            path_len_constraint: path_len,
        },
        (CertKind::Leaf, Some(issuer)) => Profile::Leaf {
            issuer,
            enable_key_agreement: false,
            enable_key_encipherment: false,
            include_subject_key_identifier: true,
        },
        (CertKind::Bare, issuer) => Profile::Manual { issuer },
    };
    let signer = CertSigner {
        key: signer_key,
        public: signer_key.to_public_key(),
        digest: spec.digest,
    };
    let mut builder =
        CertificateBuilder::new(profile, random_serial()?, validity, subject, spki, &signer)
            .map_err(|e| err("builder", &e))?;
    let extra_has_ku = extra
        .iter()
        .any(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_KEY_USAGE);
    if spec.kind == CertKind::Bare && !extra_has_ku {
        builder
            .add_extension(&x509_cert::ext::pkix::KeyUsage(
                x509_cert::ext::pkix::KeyUsages::DigitalSignature.into(),
            ))
            .map_err(|e| err("key usage", &e))?;
    }
    if !spec.eku.is_empty() {
        builder
            .add_extension(&ExtendedKeyUsage(spec.eku.clone()))
            .map_err(|e| err("EKU", &e))?;
    }
    for e in extra {
        builder
            .add_extension(&RawExtension(e.clone()))
            .map_err(|e| err("extension", &e))?;
    }
    let cert = builder
        .build::<rsa::pkcs1v15::Signature>()
        .map_err(|e| err("signing", &e))?;
    Certificate::from_der(&cert.to_der().map_err(|e| err("encoding", &e))?)
}

/// An extension added as is: `x509-cert`'s builder takes typed extensions, whose OID is a
/// constant of the type; this one carries its own OID, criticality and content.
struct RawExtension(Extension);

impl const_oid::AssociatedOid for RawExtension {
    // Never used: `to_extension` below returns the wrapped extension with its own OID.
    const OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29");
}

impl Encode for RawExtension {
    fn encoded_len(&self) -> der::Result<der::Length> {
        self.0.extn_value.encoded_len()
    }

    fn encode(&self, writer: &mut impl der::Writer) -> der::Result<()> {
        self.0.extn_value.encode(writer)
    }
}

impl x509_cert::ext::AsExtension for RawExtension {
    fn critical(&self, _: &Name, _: &[Extension]) -> bool {
        self.0.critical
    }

    fn to_extension(&self, _: &Name, _: &[Extension]) -> der::Result<Extension> {
        Ok(self.0.clone())
    }
}

/// `CN=<cn>, O=pqx test, C=US` (DER order C, O, CN).
fn test_name(cn: &str) -> Result<Name> {
    let bad = |e: der::Error| Error::InvalidArgument(format!("test certificate name {cn:?}: {e}"));
    let atv = |oid: ObjectIdentifier, value: Any| -> Result<RelativeDistinguishedName> {
        let set = SetOfVec::try_from(vec![AttributeTypeAndValue { oid, value }]).map_err(bad)?;
        Ok(RelativeDistinguishedName(set))
    };
    let c = Any::encode_from(&PrintableStringRef::new("US").map_err(bad)?).map_err(bad)?;
    let o = Any::encode_from(&Utf8StringRef::new(TEST_ORGANIZATION).map_err(bad)?).map_err(bad)?;
    let cn_value = Any::encode_from(&Utf8StringRef::new(cn).map_err(bad)?).map_err(bad)?;
    Ok(RdnSequence(vec![
        atv(const_oid::db::rfc4519::C, c)?,
        atv(const_oid::db::rfc4519::O, o)?,
        atv(const_oid::db::rfc4519::CN, cn_value)?,
    ]))
}

fn x509_time(t: OffsetDateTime) -> Result<Time> {
    let secs = u64::try_from(t.unix_timestamp())
        .map_err(|_| Error::InvalidArgument(format!("test certificate time {t} is before 1970")))?;
    let g = GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(secs))
        .map_err(|e| Error::InvalidArgument(format!("test certificate time {t}: {e}")))?;
    Ok(Time::GeneralTime(g))
}

/// A positive 16-byte serial number (RFC 5280 allows up to 20 octets).
fn random_serial() -> Result<SerialNumber> {
    let mut bytes = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut bytes);
    bytes[0] = (bytes[0] & 0x7f) | 0x10;
    SerialNumber::new(&bytes).map_err(|e| Error::Crypto(format!("serial number: {e}")))
}

fn now_seconds() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

/// RSA PKCS#1 v1.5 signer for `x509-cert`'s builder with any of pqx's digests. `rsa`'s own
/// `pkcs1v15::SigningKey<Sha1>` would need its `sha1` feature, which the workspace does not
/// enable; SHA-1 certificates are needed to test weak-signature reporting.
struct CertSigner<'a> {
    key: &'a RsaPrivateKey,
    public: RsaPublicKey,
    digest: DigestAlgorithm,
}

impl signature::Keypair for CertSigner<'_> {
    type VerifyingKey = RsaPublicKey;

    fn verifying_key(&self) -> RsaPublicKey {
        self.public.clone()
    }
}

impl DynSignatureAlgorithmIdentifier for CertSigner<'_> {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        let oid = match self.digest {
            DigestAlgorithm::Sha1 => const_oid::db::rfc5912::SHA_1_WITH_RSA_ENCRYPTION,
            DigestAlgorithm::Sha256 => const_oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
            DigestAlgorithm::Sha384 => const_oid::db::rfc5912::SHA_384_WITH_RSA_ENCRYPTION,
            DigestAlgorithm::Sha512 => const_oid::db::rfc5912::SHA_512_WITH_RSA_ENCRYPTION,
        };
        Ok(AlgorithmIdentifierOwned {
            oid,
            parameters: Some(Any::new(Tag::Null, Vec::<u8>::new())?),
        })
    }
}

impl signature::Signer<rsa::pkcs1v15::Signature> for CertSigner<'_> {
    fn try_sign(
        &self,
        msg: &[u8],
    ) -> std::result::Result<rsa::pkcs1v15::Signature, signature::Error> {
        let hashed = self.digest.digest(msg);
        let sig = self
            .key
            .sign_with_rng(&mut rand_core::OsRng, pkcs1v15_scheme(self.digest), &hashed)
            .map_err(signature::Error::from_source)?;
        rsa::pkcs1v15::Signature::try_from(sig.as_slice())
    }
}
