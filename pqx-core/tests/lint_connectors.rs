//! The connector check, run over the sample connectors in `tests/data/connectors/`.
//!
//! `clean/` is a connector written like the SDK templates that must produce no finding; every
//! other folder is named after a rule and differs from `clean/` by one defect, on the line
//! marked `// expect: <rule>`.

use std::path::{Path, PathBuf};

use pqx_core::lint::{
    check, has_errors, rule_info, rules, to_json, to_sarif, CheckOptions, ConnectorFile,
    ConnectorSource, Finding, Severity,
};

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/connectors")
}

/// CRC-32 (ISO 3309) as PNG chunks use it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// A PNG signature, IHDR (8-bit RGBA) and IEND: enough for any header reader.
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn icon_files() -> Vec<ConnectorFile> {
    [16, 20, 24, 32, 40, 48, 64]
        .into_iter()
        .map(|s| ConnectorFile {
            name: format!("Contoso{s}.png"),
            bytes: png(s, s),
        })
        .collect()
}

/// A sample folder read with `from_dir`, plus its icons.
fn sample(name: &str) -> ConnectorSource {
    let mut source =
        ConnectorSource::from_dir(&samples().join(name)).expect("sample folder is readable");
    source.files.extend(icon_files());
    source
}

fn file_text(source: &ConnectorSource, name: &str) -> String {
    let file = source
        .files
        .iter()
        .find(|f| f.name == name)
        .expect("file present");
    String::from_utf8(file.bytes.clone()).expect("utf-8 sample")
}

fn set_file(source: &mut ConnectorSource, name: &str, text: String) {
    source.files.retain(|f| f.name != name);
    source.files.push(ConnectorFile {
        name: name.to_owned(),
        bytes: text.into_bytes(),
    });
}

fn run(source: &ConnectorSource) -> Vec<Finding> {
    check(source, &CheckOptions::default())
}

fn only_pq(text: &str) -> ConnectorSource {
    let mut files = vec![ConnectorFile {
        name: "Contoso.pq".into(),
        bytes: text.as_bytes().to_vec(),
    }];
    files.extend(icon_files());
    ConnectorSource::from_files(files)
}

fn rule_ids(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.rule).collect()
}

#[test]
fn clean_connector_has_no_findings() {
    let findings = run(&sample("clean"));
    assert!(findings.is_empty(), "{findings:#?}");
    assert!(!has_errors(&findings));
}

#[test]
fn each_rule_sample_reports_exactly_that_rule_at_the_marked_line() {
    for rule in rules() {
        let source = sample(rule.id);
        let text = file_text(&source, "Contoso.pq");
        let marker = format!("// expect: {}", rule.id);
        let line = text
            .lines()
            .position(|l| l.ends_with(&marker))
            .expect("sample has a marker")
            + 1;
        let findings = run(&source);
        assert_eq!(findings.len(), 1, "{}: {findings:#?}", rule.id);
        let f = &findings[0];
        assert_eq!(
            (f.rule, f.file.as_str(), f.line),
            (rule.id, "Contoso.pq", line as u32),
            "{f:#?}"
        );
        assert_eq!(f.severity, rule.severity);
        assert_eq!(f.help, rule.help);
        assert!(f.column >= 1);
    }
}

#[test]
fn every_rule_is_documented_with_a_bad_and_a_good_example() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/CHECKS.md"))
            .expect("docs/CHECKS.md exists");
    for rule in rules() {
        let start = doc
            .find(&format!("## `{}`", rule.id))
            .unwrap_or_else(|| panic!("{} undocumented", rule.id));
        let section = &doc[start..];
        let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
        assert!(
            section.contains("Bad:") && section.contains("Good:"),
            "{}",
            rule.id
        );
    }
}

#[test]
fn code_inside_comments_and_strings_never_triggers_rules() {
    let clean = file_text(&sample("clean"), "Contoso.pq");
    for rule in rules() {
        let bad = file_text(&sample(rule.id), "Contoso.pq");
        let marker = format!("// expect: {}", rule.id);
        let line = bad
            .lines()
            .find(|l| l.ends_with(&marker))
            .expect("marker")
            .replace(&marker, "");
        let quoted = line.replace('"', "\"\"");
        let text = format!("{clean}\n// {line}\n/* {line}\n*/\nNotes = \"{quoted}\";\n");
        let mut source = sample("clean");
        set_file(&mut source, "Contoso.pq", text);
        let findings = run(&source);
        assert!(findings.is_empty(), "{}: {findings:#?}", rule.id);
    }
}

#[test]
fn package_without_section_document_gives_one_error() {
    let empty = ConnectorSource::from_files(vec![ConnectorFile {
        name: "Contoso16.png".into(),
        bytes: png(16, 16),
    }]);
    let findings = run(&empty);
    assert_eq!(rule_ids(&findings), ["section-document"]);
    assert_eq!((findings[0].file.as_str(), findings[0].line), ("", 0));
    assert!(has_errors(&findings));

    let query = only_pq("let Source = 1 in Source");
    let findings = run(&query);
    assert_eq!(rule_ids(&findings), ["section-document"]);
    assert_eq!((findings[0].line, findings[0].column), (1, 1));
}

#[test]
fn survives_truncated_and_garbled_connectors() {
    let clean = file_text(&sample("clean"), "Contoso.pq");
    let cuts: Vec<usize> = clean.char_indices().map(|(i, _)| i).step_by(13).collect();
    for cut in cuts {
        let _ = run(&only_pq(&clean[..cut]));
    }
    let garbled: Vec<u8> = clean
        .bytes()
        .enumerate()
        .map(|(i, b)| if i % 17 == 0 { b'"' } else { b })
        .collect();
    let _ = run(&ConnectorSource::from_files(vec![ConnectorFile {
        name: "X.pq".into(),
        bytes: garbled,
    }]));
    let _ = run(&ConnectorSource::from_files(vec![ConnectorFile {
        name: "X.m".into(),
        bytes: vec![0xFF, 0xFE, 0x00],
    }]));
}

#[test]
fn bom_is_ignored_and_columns_count_characters() {
    let text =
        "\u{FEFF}[Version = \"1.0.0\"]\nsection Contoso;\nÄÖ = 1; Url = \"http://contoso.com\";\n";
    let findings = run(&only_pq(text));
    let f = findings
        .iter()
        .find(|f| f.rule == "insecure-url")
        .expect("insecure-url");
    assert_eq!((f.line, f.column), (3, 15));
}

#[test]
fn old_m_section_documents_and_modules_are_checked() {
    let mut source = sample("clean");
    let pq = file_text(&source, "Contoso.pq");
    source.files.retain(|f| f.name != "Contoso.pq");
    source.files.push(ConnectorFile {
        name: "Contoso.m".into(),
        bytes: pq.into_bytes(),
    });
    assert!(run(&source).is_empty());
    set_file(
        &mut source,
        "Helpers.pqm",
        "[ Url = \"http://contoso.com/api\" ]".into(),
    );
    let findings = run(&source);
    assert_eq!(rule_ids(&findings), ["insecure-url"]);
    assert_eq!(findings[0].file, "Helpers.pqm");
}

#[test]
fn disabled_rules_are_not_reported() {
    let source = sample("insecure-url");
    let mut options = CheckOptions::default();
    options.disabled_rules.push("insecure-url".into());
    assert!(check(&source, &options).is_empty());
    assert!(rule_info("insecure-url").is_some() && rule_info("no-such-rule").is_none());
}

#[test]
fn icons_report_wrong_sizes_and_missing_sizes() {
    let mut source = sample("clean");
    source.files.retain(|f| f.name != "Contoso40.png");
    source.files.push(ConnectorFile {
        name: "Contoso40.png".into(),
        bytes: png(40, 41),
    });
    let pq =
        file_text(&source, "Contoso.pq").replace(", Extension.Contents(\"Contoso64.png\") }", " }");
    set_file(&mut source, "Contoso.pq", pq);
    let messages: Vec<String> = run(&source)
        .into_iter()
        .map(|f| format!("{}: {}", f.rule, f.message))
        .collect();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(messages
        .iter()
        .any(|m| m.contains("Contoso40.png is 40x41")));
    assert!(messages
        .iter()
        .any(|m| m.contains("Icon32 has no 64 px icon")));
}

#[test]
fn findings_are_sorted_by_file_line_column() {
    let text =
        "section Contoso;\nB = \"http://b.contoso.com\"; A = \"http://a.contoso.com\";\nC = \"http://c.contoso.com\";";
    let findings = run(&only_pq(text));
    let positions: Vec<(u32, u32)> = findings
        .iter()
        .filter(|f| f.rule == "insecure-url")
        .map(|f| (f.line, f.column))
        .collect();
    assert_eq!(positions, [(2, 5), (2, 33), (3, 5)]);
}

/// Code a reviewer would accept, written the way real connectors do it.
#[test]
fn realistic_patterns_are_not_reported() {
    let text = r#"[Version = "2.1.3"]
section Contoso;
client_id = "8f14e45f-ceea-467f-a9f5-6c1b2b7a1f3e";
token_uri = "https://login.contoso.com/oauth/token";
Xmlns = "http://www.w3.org/2005/Atom";
Local = "http://localhost:5000/api";
Grant = [grant_type = "refresh_token", response_type = "code", PasswordLabel = "Password"];
Fetch = (url as text) =>
    let
        key = Extension.CurrentCredential()[Key],
        kind = Extension.CurrentCredential()[AuthenticationKind],
        target = if kind = "Key" then url else url & "?public=1",
        page = Json.Document(Web.Contents(target, [Headers = [Authorization = "Bearer " & key]])),
        next = page[nextLink],
        more = Web.Contents(next, [Headers = [Authorization = "Bearer " & key], CredentialQueryString = [api_key = key]]),
        traced = Diagnostics.Trace(TraceLevel.Information, "fetched " & url, more),
        loaded = Expression.Evaluate(Text.FromBinary(Extension.Contents("Extra.pqm")), #shared)
    in
        loaded;
"#;
    let findings: Vec<_> = run(&only_pq(text))
        .into_iter()
        .filter(|f| f.rule != "version-adornment")
        .collect();
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn secrets_are_found_by_name_and_by_shape_but_not_echoed() {
    let text = r#"section Contoso;
A = [#"x-api-key" = "9f8e7d6c5b4a39281706"];
B = "Server=db;Database=x;Uid=sa;Pwd=S3cretPassw0rd;";
C = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
D = "-----BEGIN PRIVATE KEY-----MIIE-----END PRIVATE KEY-----";
"#;
    let findings: Vec<_> = run(&only_pq(text))
        .into_iter()
        .filter(|f| f.rule == "hardcoded-secret")
        .collect();
    assert_eq!(
        findings.iter().map(|f| f.line).collect::<Vec<_>>(),
        [2, 3, 4, 5]
    );
    assert!(findings
        .iter()
        .all(|f| !f.message.contains("S3cret") && !f.message.contains("9f8e7d6c5b4a")));
}

#[test]
fn whole_responses_and_credentials_in_traces_are_reported() {
    let text = r#"section Contoso;
F = (url) =>
    let
        response = Web.Contents(url),
        body = Text.FromBinary(response),
        a = Diagnostics.LogValue("body", body),
        b = Diagnostics.Trace(TraceLevel.Error, "headers " & Text.From(Extension.CurrentCredential()[Key]), 1),
        c = Diagnostics.Trace(TraceLevel.Information, "status " & Text.From(Value.Metadata(response)[Response.Status]), response)
    in
        c;
"#;
    let lines: Vec<u32> = run(&only_pq(text))
        .into_iter()
        .filter(|f| f.rule == "diagnostics-leak")
        .map(|f| f.line)
        .collect();
    assert_eq!(lines, [6, 7]);
}

#[test]
fn json_and_sarif_render_the_findings() {
    let findings = run(&sample("insecure-url"));
    let json: serde_json::Value = serde_json::from_str(&to_json(&findings)).expect("valid JSON");
    assert_eq!(json["errors"], 1);
    assert_eq!(json["findings"][0]["rule"], "insecure-url");
    assert_eq!(json["findings"][0]["severity"], "error");
    assert_eq!(json["findings"][0]["line"], 8);

    let sarif: serde_json::Value =
        serde_json::from_str(&to_sarif(&findings)).expect("valid SARIF JSON");
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["$schema"]
        .as_str()
        .is_some_and(|s| s.contains("sarif-2.1.0")));
    let driver = &sarif["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "pqx");
    assert_eq!(
        driver["rules"].as_array().map(Vec::len),
        Some(rules().len())
    );
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "insecure-url");
    assert_eq!(result["level"], "error");
    assert_eq!(
        driver["rules"][result["ruleIndex"].as_u64().unwrap_or(99) as usize]["id"],
        "insecure-url"
    );
    let loc = &result["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "Contoso.pq");
    assert_eq!(loc["region"]["startLine"], 8);
    assert_eq!(loc["region"]["startColumn"], 11);

    let warning = run(&sample("icons"));
    assert_eq!(warning[0].severity, Severity::Warning);
    assert!(!has_errors(&warning));
    let sarif: serde_json::Value =
        serde_json::from_str(&to_sarif(&warning)).expect("valid SARIF JSON");
    assert_eq!(sarif["runs"][0]["results"][0]["level"], "warning");
}

#[test]
fn from_dir_reads_only_what_the_sdk_packages() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clean = samples().join("clean");
    for entry in std::fs::read_dir(&clean).expect("clean sample") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
    }
    for f in icon_files() {
        std::fs::write(dir.path().join(&f.name), &f.bytes).expect("write icon");
    }
    std::fs::create_dir(dir.path().join("sub")).expect("subdir");
    std::fs::write(dir.path().join("sub/Other.pq"), "let x = 1 in x").expect("write");
    #[cfg(unix)]
    std::os::unix::fs::symlink(clean.join("Contoso.pq"), dir.path().join("Linked.pq"))
        .expect("symlink");

    let source = ConnectorSource::from_dir(dir.path()).expect("readable");
    let names: Vec<&str> = source.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Contoso.pq",
            "Contoso16.png",
            "Contoso20.png",
            "Contoso24.png",
            "Contoso32.png",
            "Contoso40.png",
            "Contoso48.png",
            "Contoso64.png",
            "Helpers.pqm",
            "resources.resx"
        ]
    );
    assert!(run(&source).is_empty());
}

#[test]
fn hostile_nesting_is_refused_quickly() {
    let deep = format!(
        "section A;\nA = {}1{};",
        "[a = ".repeat(50_000),
        "]".repeat(50_000)
    );
    let started = std::time::Instant::now();
    let findings = run(&only_pq(&deep));
    assert_eq!(rule_ids(&findings), ["section-document"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

/// `let a0 = let a1 = … <inner> … in a1 in a0`, `n` deep.
fn let_nest(n: usize, inner: &str) -> String {
    let open: String = (0..n).map(|i| format!("let a{i} = ")).collect();
    let close: String = (0..n).rev().map(|i| format!(" in a{i}")).collect();
    format!("{open}{inner}{close}")
}

/// 40 000 nested `let`s (about 600 KiB): finding each binding's end by scanning ahead took
/// 30 s for 20 000 and four times as long per doubling. The check is linear now (the work
/// count is asserted in `lint::tests`); here the findings through such a nest must be right.
#[test]
fn credentials_are_followed_through_a_40_000_deep_let_nest() {
    let nest = |inner: &str| {
        format!(
            "section Contoso;\nshared Contoso.Contents = () => let key = {}, r = Web.Contents(\"https://x/?k=\" & key) in r;",
            let_nest(40_000, inner)
        )
    };
    let tainted = run(&only_pq(&nest("Extension.CurrentCredential()[Key]")));
    assert!(
        tainted
            .iter()
            .any(|f| f.rule == "credential-in-query-string" && f.message.contains("`key`")),
        "{tainted:?}"
    );
    let clean = run(&only_pq(&nest("\"k\"")));
    assert!(!rule_ids(&clean).contains(&"credential-in-query-string"));
    for f in tainted.iter().chain(&clean) {
        assert!(!f.message.contains("too complex"), "{f:?}");
    }
}

/// Bindings nested 40 000 deep inside one record: each keeps its own value.
#[test]
fn a_deep_let_nest_in_a_record_field_keeps_each_binding_apart() {
    let pq = format!(
        "section Contoso;\nshared Contoso.Contents = () => [client_secret = {}, b = \"Sup3r-S3cret-Value-42\"];",
        let_nest(40_000, "1")
    );
    let findings = run(&only_pq(&pq));
    // `b` is not a secret name and its value is not key-shaped: only a value bound to
    // `client_secret` itself would be reported, and that value is a `let`.
    assert!(
        !rule_ids(&findings).contains(&"hardcoded-secret"),
        "{findings:?}"
    );
    let secret = pq.replace(", b =", ", api_key =");
    assert!(rule_ids(&run(&only_pq(&secret))).contains(&"hardcoded-secret"));
}
