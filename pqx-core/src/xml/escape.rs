//! Character escaping as Canonical XML 1.0 prescribes (§2.3 of the C14N 1.0 REC).
//!
//! C14N fixes exactly which characters are replaced by references, so that two
//! implementations produce the same bytes: in text `&`, `<`, `>` and carriage return; in
//! attribute values `&`, `<`, `"`, tab, line feed and carriage return. Everything else is
//! written as the UTF-8 character itself (no `&#…;` for non-ASCII). These functions are
//! public because writers that want to emit XML already in canonical form (as .NET's
//! signature writer effectively does) need the very same escaping.

/// Appends `text` to `out` escaped as C14N character content: `&` → `&amp;`, `<` → `&lt;`,
/// `>` → `&gt;`, CR → `&#xD;` (a CR can only survive parsing through a character
/// reference, and must then stay visible as one).
pub fn escape_text(out: &mut String, text: &str) {
    escape_with(out, text, |c| match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '\r' => Some("&#xD;"),
        _ => None,
    });
}

/// Appends `value` to `out` escaped as a C14N attribute value (without the quotes):
/// `&` → `&amp;`, `<` → `&lt;`, `"` → `&quot;`, TAB → `&#x9;`, LF → `&#xA;`,
/// CR → `&#xD;`. Whitespace characters are referenced so that a later parser's
/// attribute-value normalization cannot turn them into spaces.
pub fn escape_attribute(out: &mut String, value: &str) {
    escape_with(out, value, |c| match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '"' => Some("&quot;"),
        '\t' => Some("&#x9;"),
        '\n' => Some("&#xA;"),
        '\r' => Some("&#xD;"),
        _ => None,
    });
}

/// Copies `s` to `out`, replacing the characters for which `replacement` returns a string.
/// Unchanged runs are copied with one `push_str` each, keeping the cost linear.
fn escape_with(out: &mut String, s: &str, replacement: impl Fn(char) -> Option<&'static str>) {
    let mut run_start = 0;
    for (i, c) in s.char_indices() {
        if let Some(r) = replacement(c) {
            out.push_str(s.get(run_start..i).unwrap_or_default());
            out.push_str(r);
            run_start = i + c.len_utf8();
        }
    }
    out.push_str(s.get(run_start..).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> String {
        let mut out = String::new();
        escape_text(&mut out, s);
        out
    }

    fn attr(s: &str) -> String {
        let mut out = String::new();
        escape_attribute(&mut out, s);
        out
    }

    #[test]
    fn text_escapes_amp_lt_gt_and_cr_only() {
        assert_eq!(
            text("a & b < c > d\r\ne\t\"'"),
            "a &amp; b &lt; c &gt; d&#xD;\ne\t\"'"
        );
    }

    #[test]
    fn attribute_escapes_amp_lt_quot_and_whitespace_but_not_gt_or_apos() {
        assert_eq!(
            attr("a&b<c>d\"e'f\tg\nh\ri"),
            "a&amp;b&lt;c>d&quot;e'f&#x9;g&#xA;h&#xD;i"
        );
    }

    #[test]
    fn non_ascii_is_kept_as_utf8() {
        assert_eq!(text("é€😀"), "é€😀");
        assert_eq!(attr("é€😀&"), "é€😀&amp;");
    }

    #[test]
    fn empty_and_unescaped_inputs_are_copied() {
        assert_eq!(text(""), "");
        assert_eq!(attr("plain"), "plain");
    }
}
