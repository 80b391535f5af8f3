//! The connector lint: `lint::check` over a connector made of the input as its one `.pq`
//! section document, then over one whose `resources.resx` is the input, and the M tokenizer
//! over the input as text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pqx_core::lint::{self, CheckOptions, ConnectorFile, ConnectorSource};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        for token in lint::token::tokenize(text) {
            let _ = token.name();
            let _ = token.text_value();
        }
        let _ = lint::token::significant_tokens(text);
        let _ = pqx_core::inspect::section_info(text);
    }
    let source = ConnectorSource::from_files(vec![ConnectorFile {
        name: "Fuzz.pq".to_owned(),
        bytes: data.to_vec(),
    }]);
    let findings = lint::check(&source, &CheckOptions::default());
    let _ = lint::has_errors(&findings);
    let _ = lint::to_json(&findings);
    let _ = lint::to_sarif(&findings);
    let with_resx = ConnectorSource::from_files(vec![
        ConnectorFile {
            name: "Fuzz.pq".to_owned(),
            bytes: b"section Fuzz;\nshared Fuzz.Contents = () => Extension.LoadString(\"A\");\n"
                .to_vec(),
        },
        ConnectorFile {
            name: "resources.resx".to_owned(),
            bytes: data.to_vec(),
        },
    ]);
    let _ = lint::check(&with_resx, &CheckOptions::default());
});
