//! What is inside a `.mez` or `.pqx`: entries, the section document's name and Version, and
//! the signers — for `pqx inspect`, the web page and the bindings.

use crate::connector::Connector;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::lint::token::{significant_tokens, TokenKind};
use crate::mez::{text_of, FileKind, Mez};
use crate::opc::signature_parts::SignatureLayout;
use crate::opc::Package;
use crate::verify::{verify_package, VerifyOptions};
use serde::Serialize;
use std::io::{Read, Seek};

/// One file of the package.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryInfo {
    /// Path inside the connector (`HelloWorld.pq`), percent-escapes decoded.
    pub name: String,
    /// What it is (section document, module, icon, …; `Package` for OPC/signature machinery).
    pub kind: String,
    /// Uncompressed size.
    pub size: u64,
    /// Compressed size.
    pub compressed_size: u64,
    /// The OPC content type (`.pqx` only).
    pub content_type: Option<String>,
}

/// One signature, as seen by `inspect` (the full verdict is `verify`'s).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignerInfo {
    /// The signature part.
    pub part: String,
    /// Verification status of this signature (default trust policy).
    pub status: String,
    /// Signer subject.
    pub subject: Option<String>,
    /// Signer issuer.
    pub issuer: Option<String>,
    /// SHA-1 thumbprint (Power BI's trusted-thumbprint list).
    pub thumbprint_sha1: Option<String>,
    /// SHA-256 thumbprint.
    pub thumbprint_sha256: Option<String>,
    /// SignatureTime as written.
    pub signing_time: Option<String>,
    /// Digest algorithm.
    pub digest_algorithm: Option<String>,
    /// Whether it countersigns other signatures.
    pub countersignature: bool,
}

/// The result of inspecting a file.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Inspection {
    /// `"mez"` (plain ZIP) or `"pqx"` (OPC package).
    pub format: String,
    /// The section document's file name.
    pub section_document: Option<String>,
    /// The section's name (`section HelloWorld;`).
    pub section_name: Option<String>,
    /// The `[Version = "…"]` section attribute.
    pub version: Option<String>,
    /// Every entry.
    pub entries: Vec<EntryInfo>,
    /// The signatures (empty when unsigned).
    pub signatures: Vec<SignerInfo>,
}

/// The section name and the `Version` attribute of a section document, read with the M
/// tokenizer (so comments and strings cannot fool it).
pub fn section_info(text: &str) -> (Option<String>, Option<String>) {
    let tokens = significant_tokens(text);
    let Some(at) = tokens.iter().position(|t| t.is_keyword("section")) else {
        return (None, None);
    };
    let name = tokens.get(at + 1).and_then(|t| t.name());
    let mut version = None;
    let head = tokens.get(..at).unwrap_or_default();
    for (i, t) in head.iter().enumerate() {
        if t.is_ident("Version") && head.get(i + 1).is_some_and(|e| e.is_op("=")) {
            version = head
                .get(i + 2)
                .filter(|v| v.kind == TokenKind::Text)
                .and_then(|v| v.text_value());
        }
    }
    (name, version)
}

fn kind_name(k: FileKind) -> &'static str {
    match k {
        FileKind::SectionDocument => "SectionDocument",
        FileKind::Module => "Module",
        FileKind::Resources => "Resources",
        FileKind::Icon => "Icon",
        _ => "Other",
    }
}

/// Inspects a `.mez` or `.pqx`: an archive with `[Content_Types].xml` is read as an OPC
/// package, anything else as a `.mez`.
pub fn inspect<R: Read + Seek>(reader: R, what: &str, limits: &Limits) -> Result<Inspection> {
    let options = VerifyOptions {
        limits: *limits,
        ..VerifyOptions::default()
    };
    inspect_with(reader, what, &options)
}

/// [`inspect`] with the options its signature statuses are computed under (limits, and the
/// host's digests of large parts so that a browser does not hash them twice; the trust
/// policy is not used: inspection shows statuses under an empty one).
pub fn inspect_with<R: Read + Seek>(
    reader: R,
    what: &str,
    options: &VerifyOptions,
) -> Result<Inspection> {
    match Connector::open(reader, what, &options.limits)? {
        Connector::Pqx(package, _) => inspect_package(package, options),
        Connector::Mez(mez) => inspect_mez(mez),
    }
}

/// Inspects bytes in memory.
pub fn inspect_bytes(bytes: &[u8], what: &str, limits: &Limits) -> Result<Inspection> {
    inspect(std::io::Cursor::new(bytes), what, limits)
}

fn inspect_mez<R: Read + Seek>(mut mez: Mez<R>) -> Result<Inspection> {
    let section = mez.section_document().clone();
    let (section_name, version) = section_info(&mez.section_text()?);
    let entries = mez
        .entries()
        .iter()
        .map(|e| EntryInfo {
            name: e.name.clone(),
            kind: kind_name(e.kind).into(),
            size: e.size,
            compressed_size: 0,
            content_type: None,
        })
        .collect();
    Ok(Inspection {
        format: "mez".into(),
        section_document: Some(section.name),
        section_name,
        version,
        entries,
        signatures: Vec::new(),
    })
}

fn inspect_package<R: Read + Seek>(
    mut package: Package<R>,
    given: &VerifyOptions,
) -> Result<Inspection> {
    let layout = SignatureLayout::locate(&package)?;
    // `verify_package` below refuses more signatures than this anyway; refusing first keeps
    // the signature-infrastructure test of every part from costing parts × signatures.
    let options = VerifyOptions {
        limits: given.limits,
        host_digests: given.host_digests.clone(),
        ..VerifyOptions::default()
    };
    if layout.signatures.len() > options.limits.max_signatures {
        return Err(Error::LimitExceeded(format!(
            "{} signatures (limit {})",
            layout.signatures.len(),
            options.limits.max_signatures
        )));
    }
    let mut entries = Vec::new();
    let mut section = None;
    for p in package.parts() {
        let path = p.name.decoded_path();
        let kind = if layout.is_machinery(&p.name) {
            "Package"
        } else {
            kind_name(FileKind::of(&path))
        };
        if kind == "SectionDocument" && section.is_none() {
            section = Some(p.clone());
        }
        entries.push(EntryInfo {
            name: path,
            kind: kind.into(),
            size: p.entry.size,
            compressed_size: p.entry.compressed_size,
            content_type: Some(p.content_type.clone()),
        });
    }
    let (section_name, version) = match &section {
        Some(p) => {
            let bytes = package.read_part(p, package.limits().max_part_size)?;
            section_info(&text_of(&bytes, p.name.as_str())?)
        }
        None => (None, None),
    };
    let verification = verify_package(&mut package, &options)?;
    let signatures = verification
        .signatures
        .iter()
        .map(|s| SignerInfo {
            part: s.part.to_string(),
            status: s.status.name().into(),
            subject: s.signer.as_ref().map(|c| c.subject()),
            issuer: s.signer.as_ref().map(|c| c.issuer()),
            thumbprint_sha1: s.signer.as_ref().map(|c| c.thumbprint_sha1()),
            thumbprint_sha256: s.signer.as_ref().map(|c| c.thumbprint_sha256()),
            signing_time: s.signing_time.clone(),
            digest_algorithm: s.digest.map(|d| d.name().into()),
            countersignature: !s.countersigns.is_empty(),
        })
        .collect();
    Ok(Inspection {
        format: "pqx".into(),
        section_document: section.map(|p| p.name.decoded_path()),
        section_name,
        version,
        entries,
        signatures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_section_name_and_version_ignoring_comments() {
        let src = "// [Version = \"9.9.9\"]\n[Version = \"1.2.3\"]\nsection /* section Fake; */ HelloWorld;";
        assert_eq!(
            section_info(src),
            (Some("HelloWorld".into()), Some("1.2.3".into()))
        );
    }

    #[test]
    fn inspects_the_sample_mez_and_its_package() {
        let mez = crate::sample::hello_world_mez().unwrap();
        let i = inspect_bytes(&mez, "HelloWorld.mez", &Limits::default()).unwrap();
        assert_eq!(
            (
                i.format.as_str(),
                i.section_name.as_deref(),
                i.version.as_deref()
            ),
            ("mez", Some("HelloWorld"), Some("1.0.0"))
        );
        let pqx = crate::pack::pack_bytes(&mez, "HelloWorld.mez", &Limits::default()).unwrap();
        let i = inspect_bytes(&pqx, "HelloWorld.pqx", &Limits::default()).unwrap();
        assert_eq!(i.format, "pqx");
        assert_eq!(i.section_document.as_deref(), Some("HelloWorld.pq"));
        assert_eq!(i.entries.len(), crate::sample::FILES.len());
        assert!(i.signatures.is_empty());
    }
}
