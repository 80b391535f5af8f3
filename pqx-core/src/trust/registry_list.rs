//! Power BI's list of trusted connector signers, read from a file: the
//! `TrustedCertificateThumbprints` value under
//! `HKEY_LOCAL_MACHINE\Software\Policies\Microsoft\Power BI Desktop`.
//!
//! An audit is only meaningful against the list Power BI itself reads, so an admin exports
//! it and hands pqx the file. Two shapes are read:
//! - a `.reg` export, as `regedit` writes it (UTF-16LE with a BOM, `Windows Registry Editor
//!   Version 5.00`) or as a person or `pqx thumbprint --reg` writes it (UTF-8), the value a
//!   `hex(7):` REG_MULTI_SZ (UTF-16LE strings, each ended by a NUL, continued over lines
//!   with `\`), a `"…"` REG_SZ holding one thumbprint, or `-` (deleted: an empty list);
//!   `REGEDIT4` files carry their `hex(7):` strings as single bytes;
//! - `reg query "…\Power BI Desktop" /v TrustedCertificateThumbprints` output, the strings
//!   of its `REG_MULTI_SZ` joined with `\0` (UTF-8, or UTF-16LE with a BOM as PowerShell's
//!   `>` writes it).
//!
//! Only the value under a key ending in `Power BI Desktop` counts (Power BI reads no
//! other). Each entry is normalised as `--trusted-thumbprint` is (case, spaces, colons and
//! Windows' invisible marks); an entry that is not a thumbprint is an error naming it, since
//! silently dropping it would report a connector as untrusted for a reason nobody sees.

use super::Thumbprint;
use crate::{Error, Result};

/// The registry value Power BI reads its trusted signers from.
pub const TRUSTED_VALUE: &str = "TrustedCertificateThumbprints";
/// The end of the key that holds [`TRUSTED_VALUE`].
pub const POLICY_KEY_SUFFIX: &str = r"\Policies\Microsoft\Power BI Desktop";

/// The thumbprints of a registry export, normalised (upper-case hex, no separators), in the
/// file's order without repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryList {
    /// The key the value was found under, as written in the file.
    pub key: String,
    /// The thumbprints.
    pub thumbprints: Vec<Thumbprint>,
}

/// Reads the trusted-thumbprint list from the bytes of a `.reg` export or of `reg query`
/// output; `what` names the file in errors.
pub fn parse_registry_list(bytes: &[u8], what: &str) -> Result<RegistryList> {
    let text = crate::text::decode_lossy(bytes);
    let text = text.as_str();
    let first = text.lines().map(str::trim).find(|l| !l.is_empty());
    let found = match first {
        Some(h) if h.starts_with("Windows Registry Editor Version") => reg_file(text, what, false)?,
        Some(h) if h.eq_ignore_ascii_case("REGEDIT4") => reg_file(text, what, true)?,
        _ => reg_query(text, what)?,
    };
    let Some((key, entries)) = found else {
        return Err(Error::InvalidArgument(format!(
            "{what}: no {TRUSTED_VALUE} value under a key ending in {POLICY_KEY_SUFFIX} \
             (expected a .reg export or `reg query` output)"
        )));
    };
    let mut thumbprints: Vec<Thumbprint> = Vec::new();
    for entry in entries.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
        let t = Thumbprint::parse(entry).map_err(|_| {
            Error::InvalidArgument(format!(
                "{what}: {TRUSTED_VALUE} holds {entry:?}, which is not a certificate thumbprint"
            ))
        })?;
        if !thumbprints.contains(&t) {
            thumbprints.push(t);
        }
    }
    Ok(RegistryList { key, thumbprints })
}

fn is_policy_key(key: &str) -> bool {
    key.trim()
        .trim_end_matches('\\')
        .to_ascii_lowercase()
        .ends_with(&POLICY_KEY_SUFFIX.to_ascii_lowercase())
}

/// Joins `\`-continued lines, as regedit wraps long `hex` values.
fn logical_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(body) = line
            .strip_suffix('\\')
            .filter(|_| !current.is_empty() || line.contains('='))
        {
            current.push_str(body);
            continue;
        }
        current.push_str(line);
        out.push(std::mem::take(&mut current));
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

type Found = Option<(String, Vec<String>)>;

fn reg_file(text: &str, what: &str, regedit4: bool) -> Result<Found> {
    let mut key: Option<String> = None;
    let mut found: Found = None;
    for line in logical_lines(text) {
        if let Some(k) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            key = Some(k.to_owned());
            continue;
        }
        let Some(k) = key.as_deref().filter(|k| is_policy_key(k)) else {
            continue;
        };
        let Some((name, data)) = line.split_once('=') else {
            continue;
        };
        if !name
            .trim()
            .trim_matches('"')
            .eq_ignore_ascii_case(TRUSTED_VALUE)
        {
            continue;
        }
        let entries = reg_data(data.trim(), what, regedit4)?;
        // A later value replaces an earlier one, as importing the file would.
        found = Some((k.to_owned(), entries));
    }
    Ok(found)
}

/// The strings of one `.reg` value's data.
fn reg_data(data: &str, what: &str, regedit4: bool) -> Result<Vec<String>> {
    if data == "-" {
        return Ok(Vec::new());
    }
    if let Some(s) = data.strip_prefix('"').and_then(|d| d.strip_suffix('"')) {
        return Ok(vec![s.to_owned()]);
    }
    let Some(hex) = data.strip_prefix("hex(7):") else {
        return Err(Error::InvalidArgument(format!(
            "{what}: {TRUSTED_VALUE} is {data:.40}…, not a REG_MULTI_SZ (hex(7):…) or a string"
        )));
    };
    let mut bytes = Vec::new();
    for pair in hex.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let b = u8::from_str_radix(pair, 16).map_err(|_| {
            Error::InvalidArgument(format!(
                "{what}: {pair:?} in the hex(7) data is not a hex byte"
            ))
        })?;
        bytes.push(b);
    }
    let text = if regedit4 {
        bytes.iter().map(|&b| char::from(b)).collect::<String>()
    } else {
        if bytes.len() % 2 != 0 {
            return Err(Error::InvalidArgument(format!(
                "{what}: the hex(7) data of {TRUSTED_VALUE} has an odd number of bytes (UTF-16 needs pairs)"
            )));
        }
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|c| match c {
                [a, b] => u16::from_le_bytes([*a, *b]),
                _ => 0,
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    Ok(text.split('\0').map(str::to_owned).collect())
}

/// `reg query` output: a key line, then `    Name    TYPE    data` lines.
fn reg_query(text: &str, what: &str) -> Result<Found> {
    let mut key: Option<String> = None;
    let mut found: Found = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if !line.starts_with([' ', '\t']) {
            key = Some(trimmed.to_owned());
            continue;
        }
        let Some(k) = key.as_deref().filter(|k| is_policy_key(k)) else {
            continue;
        };
        let Some(rest) = strip_word(trimmed, TRUSTED_VALUE) else {
            continue;
        };
        let (kind, data) = match rest.split_once(char::is_whitespace) {
            Some((kind, data)) => (kind, data.trim()),
            None => (rest, ""),
        };
        let entries = match kind {
            "REG_MULTI_SZ" => data.split("\\0").map(str::to_owned).collect(),
            "REG_SZ" => vec![data.to_owned()],
            other => {
                return Err(Error::InvalidArgument(format!(
                    "{what}: {TRUSTED_VALUE} is a {other}, not a REG_MULTI_SZ"
                )))
            }
        };
        found = Some((k.to_owned(), entries));
    }
    Ok(found)
}

/// `text` after the word `word` (case ignored) and the blanks after it.
fn strip_word<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    let head = text.get(..word.len())?;
    let rest = text.get(word.len()..)?;
    (head.eq_ignore_ascii_case(word) && rest.starts_with(char::is_whitespace))
        .then(|| rest.trim_start())
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "0123456789ABCDEF0123456789ABCDEF01234567";
    const B: &str = "89ABCDEF0123456789ABCDEF0123456789ABCDEF";

    /// The thumbprints `bytes` list (upper-case hex), or the panic of a parse error.
    fn listed(bytes: &[u8], what: &str) -> Vec<String> {
        parse_registry_list(bytes, what)
            .unwrap()
            .thumbprints
            .iter()
            .map(|t| t.as_str().to_owned())
            .collect()
    }

    /// The hex(7) text regedit writes for `strings`, wrapped at 25 bytes a line.
    fn hex7(strings: &[&str]) -> String {
        let mut units: Vec<u16> = Vec::new();
        for s in strings {
            units.extend(s.encode_utf16());
            units.push(0);
        }
        units.push(0);
        let bytes: Vec<String> = units
            .iter()
            .flat_map(|u| u.to_le_bytes())
            .map(|b| format!("{b:02x}"))
            .collect();
        bytes
            .chunks(25)
            .map(|c| c.join(","))
            .collect::<Vec<_>>()
            .join(",\\\r\n  ")
    }

    fn utf16le_with_bom(text: &str) -> Vec<u8> {
        let mut out = vec![0xFF, 0xFE];
        out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    fn reg_export(value: &str) -> String {
        format!(
            "Windows Registry Editor Version 5.00\r\n\r\n\
             [HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Power BI Desktop]\r\n\
             \"Other\"=dword:00000001\r\n\
             \"TrustedCertificateThumbprints\"={value}\r\n\r\n"
        )
    }

    #[test]
    fn reads_a_utf16_regedit_export_with_wrapped_hex7() {
        let file = utf16le_with_bom(&reg_export(&format!(
            "hex(7):{}",
            hex7(&[A, &B.to_lowercase()])
        )));
        let list = parse_registry_list(&file, "export.reg").unwrap();
        assert_eq!(listed(&file, "export.reg"), [A, B]);
        assert!(list.key.ends_with("Power BI Desktop"));
    }

    #[test]
    fn reads_a_utf8_export_a_string_value_and_a_deleted_value() {
        let single = reg_export(&format!(
            "\"{}\"",
            "01 23 45 67 89 ab cd ef 01 23 45 67 89 ab cd ef 01 23 45 67"
        ));
        assert_eq!(listed(single.as_bytes(), "a.reg"), [A]);
        let deleted = reg_export("-");
        assert!(parse_registry_list(deleted.as_bytes(), "a.reg")
            .unwrap()
            .thumbprints
            .is_empty());
    }

    #[test]
    fn reads_a_regedit4_export_whose_strings_are_single_bytes() {
        let hex: Vec<String> = format!("{A}\0{B}\0\0")
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect();
        let file = format!(
            "REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\Software\\Policies\\Microsoft\\Power BI Desktop]\r\n\
             \"TrustedCertificateThumbprints\"=hex(7):{}\r\n",
            hex.join(",")
        );
        assert_eq!(listed(file.as_bytes(), "a.reg"), [A, B]);
    }

    #[test]
    fn ignores_the_value_under_any_other_key() {
        let file = format!(
            "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\Contoso]\r\n\
             \"TrustedCertificateThumbprints\"=\"{A}\"\r\n"
        );
        let e = parse_registry_list(file.as_bytes(), "a.reg")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("a.reg") && e.contains("no TrustedCertificateThumbprints"),
            "{e}"
        );
    }

    #[test]
    fn reads_reg_query_output_in_utf8_and_utf16() {
        let out = format!(
            "\r\nHKEY_LOCAL_MACHINE\\Software\\Policies\\Microsoft\\Power BI Desktop\r\n    \
             TrustedCertificateThumbprints    REG_MULTI_SZ    {A}\\0{}\r\n\r\n",
            B.to_lowercase()
        );
        assert_eq!(listed(out.as_bytes(), "q.txt"), [A, B]);
        assert_eq!(listed(&utf16le_with_bom(&out), "q.txt"), [A, B]);
        let empty = "HKEY_LOCAL_MACHINE\\Software\\Policies\\Microsoft\\Power BI Desktop\n    TrustedCertificateThumbprints    REG_MULTI_SZ\n";
        assert!(parse_registry_list(empty.as_bytes(), "q.txt")
            .unwrap()
            .thumbprints
            .is_empty());
    }

    #[test]
    fn refuses_an_entry_that_is_not_a_thumbprint_naming_it() {
        let file = reg_export(&format!("hex(7):{}", hex7(&[A, "not-a-thumbprint"])));
        let e = parse_registry_list(file.as_bytes(), "a.reg")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not-a-thumbprint") && e.contains("a.reg"), "{e}");
        let odd = reg_export("hex(7):41,00,00");
        assert!(parse_registry_list(odd.as_bytes(), "a.reg").is_err());
        let dword = reg_export("dword:00000001");
        assert!(parse_registry_list(dword.as_bytes(), "a.reg").is_err());
    }
}
