//! What is inside a `.mez` or `.pqx`: entries, the section document's name and Version, and
//! the signers — for `pqx inspect`, the web page and the bindings.

use crate::connector::Connector;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::lint::token::{significant_tokens, TokenKind};
use crate::mez::{text_of, FileKind, Mez};
use crate::opc::signature_parts::SignatureLayout;
use crate::opc::Package;
use crate::verify::{verify_package, SignatureStatus, VerifyOptions};
use serde::Serialize;
use std::io::{Read, Seek};

/// What kind of file `inspect` read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum PackageFormat {
    /// A `.mez`: the plain ZIP the Power Query SDK builds.
    Mez,
    /// A `.pqx`: an OPC package, signed or not.
    Pqx,
}

impl PackageFormat {
    /// `"mez"` or `"pqx"`, as the JSON says.
    pub fn name(self) -> &'static str {
        match self {
            PackageFormat::Mez => "mez",
            PackageFormat::Pqx => "pqx",
        }
    }
}

impl std::fmt::Display for PackageFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

/// What a file of a connector is, by Power Query's conventions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum EntryKind {
    /// The section document (`.pq`, or `.m` in older SDKs).
    SectionDocument,
    /// An M module (`.pqm`).
    Module,
    /// A `resources*.resx` string table.
    Resources,
    /// An icon (`.png`).
    Icon,
    /// Anything else the connector ships.
    Other,
    /// OPC or signature machinery (content types, relationships, origin, signatures).
    Package,
}

impl EntryKind {
    /// The name the JSON and `pqx inspect` print (`"SectionDocument"`, …).
    pub fn name(self) -> &'static str {
        match self {
            EntryKind::SectionDocument => "SectionDocument",
            EntryKind::Module => "Module",
            EntryKind::Resources => "Resources",
            EntryKind::Icon => "Icon",
            EntryKind::Other => "Other",
            EntryKind::Package => "Package",
        }
    }

    fn of(kind: FileKind) -> EntryKind {
        match kind {
            FileKind::SectionDocument => EntryKind::SectionDocument,
            FileKind::Module => EntryKind::Module,
            FileKind::Resources => EntryKind::Resources,
            FileKind::Icon => EntryKind::Icon,
            _ => EntryKind::Other,
        }
    }
}

impl std::fmt::Display for EntryKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

/// One file of the package.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryInfo {
    /// Path inside the connector (`HelloWorld.pq`), percent-escapes decoded.
    pub name: String,
    /// What it is (section document, module, icon, …; `Package` for OPC/signature machinery).
    pub kind: EntryKind,
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
    pub status: SignatureStatus,
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
    /// `.mez` (plain ZIP) or `.pqx` (OPC package).
    pub format: PackageFormat,
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

impl Inspection {
    /// The JSON every host prints (`pqx inspect --json`, the C ABI's
    /// `pqx_package_inspect_json`): camelCase keys, pretty-printed. One serialisation, so the
    /// CLI and the bindings cannot drift apart.
    pub fn to_json(&self) -> String {
        // Strings, numbers, booleans and enums only: serialising cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// What a section document says about itself: [`section_info`]'s answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SectionInfo {
    /// The name after `section` (`HelloWorld` in `section HelloWorld;`); `None` when the
    /// text has no `section` declaration.
    pub name: Option<String>,
    /// The `Version` adornment (`[Version = "1.0.0"]` before `section`), which Power BI
    /// shows and certification requires; `None` when absent.
    pub version: Option<String>,
}

/// The section name and the `Version` attribute of a section document, read with the M
/// tokenizer (so comments and strings cannot fool it).
pub fn section_info(text: &str) -> SectionInfo {
    let tokens = significant_tokens(text);
    let Some(at) = tokens.iter().position(|t| t.is_keyword("section")) else {
        return SectionInfo::default();
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
    SectionInfo { name, version }
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
    let SectionInfo {
        name: section_name,
        version,
    } = section_info(&mez.section_text()?);
    let entries = mez
        .entries()
        .iter()
        .map(|e| EntryInfo {
            name: e.name.clone(),
            kind: EntryKind::of(e.kind),
            size: e.size,
            compressed_size: 0,
            content_type: None,
        })
        .collect();
    Ok(Inspection {
        format: PackageFormat::Mez,
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
            EntryKind::Package
        } else {
            EntryKind::of(FileKind::of(&path))
        };
        if kind == EntryKind::SectionDocument && section.is_none() {
            section = Some(p.clone());
        }
        entries.push(EntryInfo {
            name: path,
            kind,
            size: p.entry.size,
            compressed_size: p.entry.compressed_size,
            content_type: Some(p.content_type.clone()),
        });
    }
    let SectionInfo {
        name: section_name,
        version,
    } = match &section {
        Some(p) => {
            let bytes = package.read_part(p, package.limits().max_part_size)?;
            section_info(&text_of(&bytes, p.name.as_str())?)
        }
        None => SectionInfo::default(),
    };
    let verification = verify_package(&mut package, &options)?;
    let signatures = verification
        .signatures
        .iter()
        .map(|s| SignerInfo {
            part: s.part.to_string(),
            status: s.status,
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
        format: PackageFormat::Pqx,
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
            SectionInfo {
                name: Some("HelloWorld".into()),
                version: Some("1.2.3".into())
            }
        );
    }

    #[test]
    fn inspects_the_sample_mez_and_its_package() {
        let mez = crate::sample::hello_world_mez().unwrap();
        let i = inspect_bytes(&mez, "HelloWorld.mez", &Limits::default()).unwrap();
        assert_eq!(
            (i.format, i.section_name.as_deref(), i.version.as_deref()),
            (PackageFormat::Mez, Some("HelloWorld"), Some("1.0.0"))
        );
        let pqx = crate::pack::pack_bytes(&mez, "HelloWorld.mez", &Default::default()).unwrap();
        let i = inspect_bytes(&pqx, "HelloWorld.pqx", &Limits::default()).unwrap();
        assert_eq!(i.format, PackageFormat::Pqx);
        assert_eq!(i.section_document.as_deref(), Some("HelloWorld.pq"));
        // The JSON keeps the strings it always had.
        let json: serde_json::Value = serde_json::from_str(&i.to_json()).unwrap();
        assert_eq!(json["format"], "pqx");
        assert_eq!(json["signatures"], serde_json::json!([]));
        assert!(json["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "SectionDocument" && e["name"] == "HelloWorld.pq"));
        assert_eq!(i.entries.len(), crate::sample::FILES.len());
        assert!(i.signatures.is_empty());
    }
}
