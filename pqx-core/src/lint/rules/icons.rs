//! Rule `icons`: the Publish record's icons exist, in every size Power BI shows.
//!
//! Get Data shows `SourceImage`/`SourceTypeImage` icons from an icons record with two lists:
//! `Icon16` (16, 20, 24 and 32 px, for the scale factors 100–200 %) and `Icon32` (32, 40, 48
//! and 64 px), each entry `Extension.Contents("<file>.png")`. A missing size is scaled and
//! looks blurred; a missing file breaks loading. Sizes are read from the PNG header.

use std::collections::HashSet;

use super::super::finding::{RuleInfo, Severity};
use super::super::png::png_size;
use super::super::section::{Document, Section};
use super::super::syntax::{
    call_args, literal_text, record_fields, single_name, split_commas, Field, Span,
};
use super::{Package, Report};

/// Rule `icons`.
pub(crate) const ICONS: RuleInfo = RuleInfo {
    id: "icons",
    severity: Severity::Warning,
    summary: "The Publish record references 16/20/24/32 and 32/40/48/64 px PNG icons that exist in the package",
    help: "Add `SourceImage = <Kind>.Icons, SourceTypeImage = <Kind>.Icons` to the Publish record with `<Kind>.Icons = [Icon16 = { Extension.Contents(\"<Kind>16.png\"), …20, …24, …32 }, Icon32 = { …32, …40, …48, …64 }]`, and ship square PNG files of exactly those sizes.",
};

/// The icon lists and the pixel size expected at each position.
const LISTS: [(&str, [u32; 4]); 2] = [("Icon16", [16, 20, 24, 32]), ("Icon32", [32, 40, 48, 64])];

/// Checks the icons of every Publish record.
pub(crate) fn run(pkg: &Package<'_>, report: &mut Report<'_>) {
    for (doc, section) in pkg.sections() {
        let mut checked_records: HashSet<usize> = HashSet::new();
        let mut reported_files: HashSet<String> = HashSet::new();
        let mut publishes: Vec<String> = section
            .members
            .iter()
            .filter_map(|m| m.attribute_text(&doc.tokens, "Publish").map(|p| p.1))
            .collect();
        publishes.dedup();
        for publish in publishes {
            let Some(record) = section.member(&publish) else {
                continue;
            };
            let Some(fields) = record_fields(&doc.tokens, record.value.clone()) else {
                continue;
            };
            for image in ["SourceImage", "SourceTypeImage"] {
                let Some(field) = fields.iter().find(|f| f.name == image) else {
                    let message = format!("Publish record `{publish}` has no {image} icons");
                    report.at(&ICONS, doc, record.name_at, message);
                    continue;
                };
                let Some((at, icons)) = icon_record(doc, section, field) else {
                    continue;
                };
                if checked_records.insert(at) {
                    check_icon_record(pkg, doc, at, &icons, &mut reported_files, report);
                }
            }
        }
    }
}

/// The icons record a `SourceImage` field refers to: where it starts and its fields.
fn icon_record(
    doc: &Document<'_>,
    section: &Section,
    field: &Field,
) -> Option<(usize, Vec<Field>)> {
    if let Some(fields) = record_fields(&doc.tokens, field.value.clone()) {
        return Some((field.value.start, fields));
    }
    let member = section.member(&single_name(&doc.tokens, field.value.clone())?)?;
    Some((
        member.name_at,
        record_fields(&doc.tokens, member.value.clone())?,
    ))
}

fn check_icon_record(
    pkg: &Package<'_>,
    doc: &Document<'_>,
    at: usize,
    icons: &[Field],
    reported_files: &mut HashSet<String>,
    report: &mut Report<'_>,
) {
    for (list, sizes) in LISTS {
        let Some(field) = icons.iter().find(|f| f.name == list) else {
            report.at(
                &ICONS,
                doc,
                at,
                format!("the icons record has no {list} list"),
            );
            continue;
        };
        let items = list_items(doc, field.value.clone());
        for (k, size) in sizes.iter().enumerate() {
            let Some(item) = items.get(k) else {
                report.at(
                    &ICONS,
                    doc,
                    field.name_at,
                    format!("{list} has no {size} px icon"),
                );
                continue;
            };
            let Some((lit, file)) = packaged_file(doc, item.clone()) else {
                continue;
            };
            if !reported_files.insert(file.to_ascii_lowercase()) {
                continue;
            }
            let message = match pkg.file(&file).map(|f| png_size(&f.bytes)) {
                None => format!("icon {file} is not in the package"),
                Some(None) => format!("icon {file} is not a PNG image"),
                Some(Some((w, h))) if (w, h) != (*size, *size) => {
                    format!("icon {file} is {w}x{h} px; {list} expects {size}x{size} px at this position")
                }
                Some(Some(_)) => continue,
            };
            report.at(&ICONS, doc, lit, message);
        }
    }
}

/// The items of a list literal `{ a, b }`.
fn list_items(doc: &Document<'_>, span: Span) -> Vec<Span> {
    let tokens = &doc.tokens;
    let opens = tokens.get(span.start).is_some_and(|t| t.is_op("{"));
    let closes = span
        .end
        .checked_sub(1)
        .and_then(|e| tokens.get(e))
        .is_some_and(|t| t.is_op("}"));
    if !opens || !closes || span.len() < 2 {
        return Vec::new();
    }
    split_commas(tokens, span.start + 1..span.end - 1)
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect()
}

/// `Extension.Contents("<file>")`: the literal's token and the file name.
fn packaged_file(doc: &Document<'_>, item: Span) -> Option<(usize, String)> {
    let tokens = &doc.tokens;
    if !tokens.get(item.start)?.is_ident("Extension.Contents") {
        return None;
    }
    let args = call_args(tokens, item.start)?;
    literal_text(tokens, args.first()?.clone())
}
