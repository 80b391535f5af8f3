//! Rules about the shape of the section document: `section-document`, `version-adornment`,
//! `test-connection` and `publish-record`.
//!
//! Power Query loads a connector from its section document (`section Name;`); the data
//! source kind is the section member named by a shared function's `DataSource.Kind`
//! attribute, and its Get Data entry is the member named by the `Publish` attribute.

use std::collections::BTreeMap;

use super::super::finding::{RuleInfo, Severity};
use super::super::section::{Document, Section};
use super::super::syntax::{literal_text, record_fields};
use super::{Package, Report};

/// Rule `section-document`.
pub(crate) const SECTION_DOCUMENT: RuleInfo = RuleInfo {
    id: "section-document",
    severity: Severity::Error,
    summary: "The connector has a section document (`section Name;`)",
    help: "Start the connector's .pq (or .m) file with `section <Name>;` (after any `[Version = \"1.0.0\"]` attribute) and define the connector's members after it, each ending with `;`.",
};

/// Rule `version-adornment`.
pub(crate) const VERSION_ADORNMENT: RuleInfo = RuleInfo {
    id: "version-adornment",
    severity: Severity::Error,
    summary: "The section has a `[Version = \"x.y.z\"]` adornment with a valid version",
    help: "Put `[Version = \"1.0.0\"]` on the line before `section <Name>;` and raise it (major.minor.patch, numbers only) with every release.",
};

/// Rule `test-connection`.
pub(crate) const TEST_CONNECTION: RuleInfo = RuleInfo {
    id: "test-connection",
    severity: Severity::Error,
    summary: "The data source kind record defines TestConnection",
    help: "Add `TestConnection = (dataSourcePath) => { \"<Kind>.Contents\" }` (the shared function and its required arguments, read from the JSON dataSourcePath) to the data source kind record, so that the gateway can test the connection.",
};

/// Rule `publish-record`.
pub(crate) const PUBLISH_RECORD: RuleInfo = RuleInfo {
    id: "publish-record",
    severity: Severity::Warning,
    summary: "The data source has a Publish record with Category and ButtonText",
    help: "Give the shared function a `Publish = \"<Kind>.Publish\"` attribute next to DataSource.Kind and define `<Kind>.Publish = [Category = \"Other\", ButtonText = { Extension.LoadString(\"ButtonTitle\"), Extension.LoadString(\"ButtonHelp\") }, SourceImage = <Kind>.Icons, SourceTypeImage = <Kind>.Icons]`.",
};

/// Runs the structural rules.
pub(crate) fn run(pkg: &Package<'_>, report: &mut Report<'_>) {
    if pkg.sections().next().is_none() {
        report_missing_section(pkg, report);
    }
    for (doc, section) in pkg.sections() {
        check_version(doc, section, report);
        for (kind, (at, member)) in data_source_kinds(doc, section) {
            check_kind_record(doc, section, &kind, at, report);
            check_publish(doc, section, &kind, member, report);
        }
    }
}

/// One `section-document` error: at the first candidate file that is not a section
/// document, or for the package as a whole when it has no `.pq`/`.m` file at all.
fn report_missing_section(pkg: &Package<'_>, report: &mut Report<'_>) {
    let candidate = pkg
        .docs
        .iter()
        .find_map(|d| d.not_section.as_ref().map(|n| (d, n)));
    match candidate {
        Some((doc, (at, why))) => {
            let message = format!("{} is not a section document: {why}", doc.file);
            report.at(&SECTION_DOCUMENT, doc, at.unwrap_or(0), message);
        }
        None => report.at_position(
            &SECTION_DOCUMENT,
            "",
            0,
            0,
            "the connector has no section document (no .pq or .m file)".to_owned(),
        ),
    }
}

/// True for `major.minor.patch`, each part a decimal number.
fn valid_version(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit()))
}

fn check_version(doc: &Document<'_>, section: &Section, report: &mut Report<'_>) {
    let Some(field) = section.attributes.iter().find(|f| f.name == "Version") else {
        let message = format!(
            "section {} has no [Version = \"x.y.z\"] adornment",
            section.name
        );
        report.at(&VERSION_ADORNMENT, doc, section.keyword_at, message);
        return;
    };
    match literal_text(&doc.tokens, field.value.clone()) {
        Some((_, v)) if valid_version(&v) => {}
        Some((at, v)) => {
            let message = format!(
                "version \"{v}\" of section {} is not major.minor.patch",
                section.name
            );
            report.at(&VERSION_ADORNMENT, doc, at, message);
        }
        None => {
            let message = format!(
                "the Version of section {} is not a text literal \"x.y.z\"",
                section.name
            );
            report.at(&VERSION_ADORNMENT, doc, field.value.start, message);
        }
    }
}

/// Each data source kind named by a `DataSource.Kind` attribute, with the attribute value's
/// token and the first member carrying it with a Publish attribute (or else the first one).
fn data_source_kinds<'s>(
    doc: &Document<'_>,
    section: &'s Section,
) -> BTreeMap<String, (usize, &'s super::super::section::Member)> {
    let mut kinds: BTreeMap<String, (usize, &super::super::section::Member)> = BTreeMap::new();
    for m in &section.members {
        let Some((at, kind)) = m.attribute_text(&doc.tokens, "DataSource.Kind") else {
            continue;
        };
        let has_publish = m.attributes.iter().any(|f| f.name == "Publish");
        match kinds.get(&kind) {
            Some((_, first))
                if !has_publish || first.attributes.iter().any(|f| f.name == "Publish") => {}
            _ => {
                kinds.insert(kind, (at, m));
            }
        }
    }
    kinds
}

fn check_kind_record(
    doc: &Document<'_>,
    section: &Section,
    kind: &str,
    attr_at: usize,
    report: &mut Report<'_>,
) {
    let Some(record) = section.member(kind) else {
        let message = format!(
            "data source kind `{kind}` has no record in section {}, so it has no TestConnection",
            section.name
        );
        report.at(&TEST_CONNECTION, doc, attr_at, message);
        return;
    };
    // A record built by a function call cannot be inspected: stay silent.
    let Some(fields) = record_fields(&doc.tokens, record.value.clone()) else {
        return;
    };
    if !fields.iter().any(|f| f.name == "TestConnection") {
        let message = format!("data source kind record `{kind}` does not define TestConnection");
        report.at(&TEST_CONNECTION, doc, record.name_at, message);
    }
}

fn check_publish(
    doc: &Document<'_>,
    section: &Section,
    kind: &str,
    member: &super::super::section::Member,
    report: &mut Report<'_>,
) {
    let Some((at, publish)) = member.attribute_text(&doc.tokens, "Publish") else {
        let message = format!(
            "data source `{kind}` has no Publish attribute, so it does not appear in Get Data"
        );
        report.at(&PUBLISH_RECORD, doc, member.name_at, message);
        return;
    };
    let Some(record) = section.member(&publish) else {
        let message = format!(
            "Publish record `{publish}` is not defined in section {}",
            section.name
        );
        report.at(&PUBLISH_RECORD, doc, at, message);
        return;
    };
    let Some(fields) = record_fields(&doc.tokens, record.value.clone()) else {
        return;
    };
    for required in ["Category", "ButtonText"] {
        if !fields.iter().any(|f| f.name == required) {
            let message = format!("Publish record `{publish}` has no {required}");
            report.at(&PUBLISH_RECORD, doc, record.name_at, message);
        }
    }
}
