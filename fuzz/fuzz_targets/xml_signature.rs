//! XML signature parsing and C14N: `parse_signature` over arbitrary bytes, and the secure XML
//! parser + canonicalization over the same bytes as text (whole document and every element
//! carrying an `Id`, as XML-DSig references do).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pqx_core::limits::Limits;
use pqx_core::signature::parse::parse_signature;
use pqx_core::xml;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    if let Ok(sig) = parse_signature(data, "fuzz", &limits) {
        for reference in &sig.references {
            let _ = reference.uri();
            let _ = reference.selectors();
            let _ = reference.canonicalizes();
        }
    }
    let Ok(text) = xml::decode_text(data, "fuzz") else {
        return;
    };
    let Ok(doc) = xml::parse(text, "fuzz", &limits) else {
        return;
    };
    let _ = xml::canonicalize_document(&doc);
    // A handful of subtrees: canonicalizing every element would be quadratic by design.
    for node in doc
        .descendants()
        .filter(|n| n.is_element() && n.attribute("Id").is_some())
        .take(4)
    {
        let _ = xml::canonicalize(node);
    }
});
