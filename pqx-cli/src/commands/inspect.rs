//! `pqx inspect FILE [--json]`.

use super::display_name;
use crate::cli::InspectArgs;
use crate::failure::{Exit, Failure};
use pqx_core::inspect::{inspect, Inspection, PackageFormat};
use pqx_core::limits::Limits;
use pqx_core::text::display_safe;
use std::fmt::Write as _;

/// Runs `pqx inspect`: what a `.mez` or `.pqx` holds.
pub fn run(args: &InspectArgs) -> Result<Exit, Failure> {
    let file = crate::paths::open_input(&args.file)?;
    let what = display_name(&args.file);
    let inspection = inspect(std::io::BufReader::new(file), &what, &Limits::default())?;
    if args.json {
        outln!("{}", inspection.to_json());
    } else {
        out!("{}", to_text(&what, &inspection));
    }
    Ok(Exit::Success)
}

/// The readable form. Every text from the package (names, certificate fields) goes through
/// [`display_safe`], so that control and bidi characters cannot rewrite the listing.
fn to_text(what: &str, i: &Inspection) -> String {
    let safe = |s: &str| display_safe(s).into_owned();
    let mut out = String::new();
    let kind = match (i.format, i.signatures.is_empty()) {
        (PackageFormat::Mez, _) => "connector (.mez)",
        (_, true) => "unsigned package (.pqx)",
        _ => "signed package (.pqx)",
    };
    let _ = writeln!(out, "{}: {kind}", safe(what));
    let _ = writeln!(
        out,
        "  section:  {}",
        safe(i.section_name.as_deref().unwrap_or("(none)"))
    );
    let _ = writeln!(
        out,
        "  version:  {}",
        safe(i.version.as_deref().unwrap_or("(none)"))
    );
    let _ = writeln!(
        out,
        "  document: {}",
        safe(i.section_document.as_deref().unwrap_or("(none)"))
    );
    let _ = writeln!(
        out,
        "\n  {:>10}  {:>10}  {:<16}  NAME",
        "SIZE", "COMPRESSED", "KIND"
    );
    for e in &i.entries {
        let compressed = if i.format == PackageFormat::Mez {
            "-".to_owned()
        } else {
            e.compressed_size.to_string()
        };
        let _ = writeln!(
            out,
            "  {:>10}  {:>10}  {:<16}  {}",
            e.size,
            compressed,
            e.kind,
            safe(&e.name)
        );
    }
    for (n, s) in i.signatures.iter().enumerate() {
        let _ = writeln!(
            out,
            "\n  signature {}: {} [{}]{}",
            n + 1,
            safe(&s.part),
            s.status.name(),
            if s.countersignature {
                " (countersignature)"
            } else {
                ""
            }
        );
        let rows = [
            ("subject", &s.subject),
            ("issuer", &s.issuer),
            ("SHA-1", &s.thumbprint_sha1),
            ("SHA-256", &s.thumbprint_sha256),
            (
                "signed at",
                &s.signing_time.as_ref().map(|t| format!("{t} (claimed)")),
            ),
            ("digest", &s.digest_algorithm),
        ];
        for (label, value) in rows {
            if let Some(v) = value {
                let _ = writeln!(out, "    {label:<10} {}", safe(v));
            }
        }
    }
    if i.format == PackageFormat::Pqx && i.signatures.is_empty() {
        let _ = writeln!(out, "\n  not signed");
    }
    out
}
