//! The string keys of a `resources.resx` file.
//!
//! `Extension.LoadString("Key")` reads `<data name="Key"><value>…</value></data>` from the
//! package's `resources.resx` (a .NET resource file, plain XML). The resources rule only
//! needs the set of names. The file goes through pqx's hardened XML parser, which refuses DTDs
//! (so entity tricks cannot blow up) and bounds size, depth, attributes and namespace
//! declarations (so a hostile file cannot make the check quadratic).

use std::collections::HashSet;

use super::source::decode_text;
use crate::limits::Limits;
use crate::Error;

/// The `name` of every `<data>` element, or a reason why the file is not readable XML.
pub(crate) fn resx_keys(bytes: &[u8]) -> Result<HashSet<String>, String> {
    let text = decode_text(bytes);
    let doc =
        crate::xml::parse(&text, "resources.resx", &Limits::default()).map_err(|e| match e {
            Error::Xml { reason, .. } => reason,
            other => other.to_string(),
        })?;
    Ok(doc
        .descendants()
        .filter(|n| n.has_tag_name("data"))
        .filter_map(|n| n.attribute("name").map(str::to_owned))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_data_names() {
        let xml = b"\xEF\xBB\xBF<root><data name=\"A\" xml:space=\"preserve\"><value>a</value></data><data name=\"B\"/></root>";
        let keys = resx_keys(xml).unwrap_or_default();
        assert!(keys.contains("A") && keys.contains("B") && keys.len() == 2);
        assert!(resx_keys(b"<root>").is_err());
    }
}
