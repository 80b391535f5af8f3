//! Text from a package, made safe to print on a terminal.
//!
//! Part names, certificate names and M identifiers come from the input. Printed as they are,
//! an ESC sequence or a carriage return in them rewrites what the terminal shows (hiding a
//! part, or showing `CN=Microsoft Corporation` as the signer), and a right-to-left override
//! reorders it. [`display_safe`] escapes every character that can do that, so that what a
//! user reads is what the package holds. JSON and SARIF output need none of it: their
//! serializers escape control characters already.

use std::borrow::Cow;
use std::fmt::Write as _;

/// True for a character that changes how the text around it is shown rather than showing
/// itself: C0 and C1 controls, DEL, line and paragraph separators, bidirectional controls
/// (embeddings, overrides, isolates, marks), zero-width and other invisible format
/// characters, the byte-order mark, interlinear annotations, tags, and the invisible
/// Hangul fillers.
pub fn is_spoofing_char(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1F}'
        | '\u{7F}'..='\u{9F}'
        | '\u{AD}'
        | '\u{34F}'
        | '\u{61C}'
        | '\u{115F}'..='\u{1160}'
        | '\u{17B4}'..='\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{3164}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}'
        | '\u{FFA0}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// `s` with every [`is_spoofing_char`] written as an escape: `\x1b` for C0 controls and
/// DEL, `\u{202e}` for the others. Borrowed when there is nothing to escape.
///
/// A backslash is left as it is (Windows paths stay readable); the escapes are for the
/// reader's eyes, not to be decoded back.
///
/// ```
/// use pqx_core::text::display_safe;
/// assert_eq!(display_safe("CN=Evil\r\x1b[2KCN=Microsoft"), "CN=Evil\\x0d\\x1b[2KCN=Microsoft");
/// assert_eq!(display_safe("a\u{202E}txt.exe"), "a\\u{202e}txt.exe");
/// assert_eq!(display_safe("Café.pq"), "Café.pq");
/// ```
pub fn display_safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_spoofing_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !is_spoofing_char(c) {
            out.push(c);
        } else if u32::from(c) < 0x80 {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        } else {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
    Cow::Owned(out)
}

/// Decodes a text file as Windows tools write them: UTF-8 with or without a BOM, or UTF-16
/// (LE or BE) with a BOM (regedit's `.reg` exports, Notepad's "Unicode"). Invalid sequences
/// become U+FFFD rather than errors: the connector check must still say what it can, and a
/// registry list's thumbprints cannot contain them anyway.
pub fn decode_lossy(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    let utf16 = |rest: &[u8], le: bool| {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| match c {
                [a, b] if le => u16::from_le_bytes([*a, *b]),
                [a, b] => u16::from_be_bytes([*a, *b]),
                _ => 0xFFFD,
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, false);
    }
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_bidi_and_invisible_characters() {
        assert_eq!(
            display_safe("a\u{0}b\tc\nd\u{7F}e\u{85}"),
            "a\\x00b\\x09c\\x0ad\\x7fe\\u{85}"
        );
        for c in [
            '\u{202A}',
            '\u{202E}',
            '\u{2066}',
            '\u{2069}',
            '\u{200B}',
            '\u{FEFF}',
            '\u{E0041}',
        ] {
            let s = format!("x{c}y");
            let shown = display_safe(&s);
            assert!(!shown.contains(c), "{c:?} kept");
            assert!(shown.contains(&format!("\\u{{{:x}}}", u32::from(c))));
        }
    }

    #[test]
    fn leaves_printable_text_alone() {
        for s in [
            "HelloWorld.pq",
            "Café/naïve 16.png",
            "CN=Контур, O=株式会社",
            "a\\b",
            "😀",
        ] {
            assert!(matches!(display_safe(s), Cow::Borrowed(_)), "{s}");
        }
    }
}
