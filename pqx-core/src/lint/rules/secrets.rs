//! Rules about secrets in the package: `hardcoded-secret` (a literal in the code) and
//! `packaged-secret` (a file shipped with the connector).
//!
//! A signed connector is copied to every user's machine; anything in it is public. Literals
//! are judged by the name they are bound to (`client_secret = "…"`, `#"x-api-key" = "…"`,
//! `Authorization = "Bearer …"`) and by their shape (private-key blocks, JWTs, well-known key
//! formats, passwords in connection strings or URLs, long high-entropy strings). Placeholder
//! values and identifiers such as client ids are left alone: a reviewer would not reject them.

use std::collections::{HashMap, HashSet};

use super::super::budget;
use super::super::finding::{RuleInfo, Severity};
use super::super::section::Document;
use super::super::source::{decode_text, is_packaged_file};
use super::super::token::{Token, TokenKind};
use super::{Package, Report};

/// Rule `hardcoded-secret`.
pub(crate) const HARDCODED_SECRET: RuleInfo = RuleInfo {
    id: "hardcoded-secret",
    severity: Severity::Error,
    summary: "No literal tokens, API keys, passwords or connection strings in the code",
    help: "Remove the secret and revoke it. Let the user supply it through the data source's Authentication (Key, UsernamePassword or OAuth) and read it with Extension.CurrentCredential() at run time.",
};

/// Rule `packaged-secret`.
pub(crate) const PACKAGED_SECRET: RuleInfo = RuleInfo {
    id: "packaged-secret",
    severity: Severity::Warning,
    summary: "No secret (such as an OAuth client_secret) in a file of the package",
    help: "Every user gets the package's files, so a client secret in it is public. Use OAuth with PKCE (code_challenge/code_verifier, no client secret) as a public client, or keep the secret on a service you control.",
};

/// Last words of a binding name that say its value is a secret.
const SECRET_WORDS: [&str; 8] = [
    "password",
    "passwd",
    "pwd",
    "secret",
    "apikey",
    "token",
    "passphrase",
    "connectionstring",
];

/// Words that, before `key`, make it a secret key (`api_key`, `subscription-key`…).
const KEY_QUALIFIERS: [&str; 13] = [
    "api",
    "subscription",
    "access",
    "account",
    "secret",
    "private",
    "shared",
    "master",
    "client",
    "app",
    "auth",
    "signing",
    "encryption",
];

/// Last words of names whose values are identifiers, not secrets (client ids, URLs…).
const NOT_SECRET_WORDS: [&str; 14] = [
    "id", "ids", "guid", "tenant", "name", "url", "uri", "path", "scope", "version", "hash",
    "kind", "type", "format",
];

/// Calls whose text arguments are names or data, not secrets.
const EXEMPT_CALLS: [&str; 4] = [
    "Extension.LoadString",
    "Extension.Contents",
    "Binary.FromText",
    "#binary",
];

/// Well-known key prefixes and the least number of characters that follow them.
const KEY_PREFIXES: [(&str, usize); 12] = [
    ("ghp_", 30),
    ("gho_", 30),
    ("ghu_", 30),
    ("ghs_", 30),
    ("github_pat_", 30),
    ("xoxb-", 20),
    ("xoxp-", 20),
    ("sk_live_", 16),
    ("rk_live_", 16),
    ("AIza", 35),
    ("glpat-", 20),
    ("sk-proj-", 20),
];

/// Splits a name into lower-case words at non-alphanumerics and camelCase humps.
pub(crate) fn name_words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            prev_lower = false;
            words.push(String::new());
            continue;
        }
        if c.is_uppercase() && prev_lower {
            words.push(String::new());
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        match words.last_mut() {
            Some(w) => w.extend(c.to_lowercase()),
            None => words.push(c.to_lowercase().collect()),
        }
    }
    words.retain(|w| !w.is_empty());
    words
}

/// True when a binding or file called `name` holds a secret.
pub(crate) fn secret_name(name: &str) -> bool {
    let words = name_words(name);
    let last = words.last().map(String::as_str).unwrap_or_default();
    let prev = words
        .len()
        .checked_sub(2)
        .and_then(|i| words.get(i))
        .map(String::as_str)
        .unwrap_or_default();
    SECRET_WORDS.contains(&last)
        || (last == "key" && KEY_QUALIFIERS.contains(&prev))
        || (last == "string" && prev == "connection")
}

fn not_secret_name(name: &str) -> bool {
    name_words(name)
        .last()
        .is_some_and(|w| NOT_SECRET_WORDS.contains(&w.as_str()))
}

/// True for values that stand in for a secret rather than being one.
fn placeholder(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    [
        "your",
        "xxx",
        "***",
        "<",
        ">",
        "{",
        "}",
        "placeholder",
        "example",
        "changeme",
        "todo",
        "redacted",
        "dummy",
        "...",
    ]
    .iter()
    .any(|p| l.contains(p))
}

/// A value bound to a secret-like name that is plausibly a real secret.
fn secret_value(v: &str) -> bool {
    let len = v.chars().count();
    let digit_or_symbol = v
        .chars()
        .any(|c| c.is_ascii_digit() || !(c.is_alphanumeric() || matches!(c, '_' | '.' | '-')));
    let mixed = v.chars().any(char::is_uppercase) && v.chars().any(char::is_lowercase);
    len >= 8
        && !v.chars().any(char::is_whitespace)
        && !placeholder(v)
        && !v.contains("://")
        && (digit_or_symbol || (mixed && len >= 16))
}

/// Shannon entropy in bits per character.
fn entropy(v: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for c in v.chars() {
        *counts.entry(c).or_insert(0u32) += 1;
    }
    let n = f64::from(u32::try_from(v.chars().count()).unwrap_or(u32::MAX).max(1));
    counts
        .values()
        .map(|&c| f64::from(c) / n)
        .map(|p| -p * p.log2())
        .sum()
}

fn is_jwt(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    let b64url = |s: &str| {
        s.len() >= 10
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    parts.len() == 3
        && parts
            .first()
            .is_some_and(|p| p.starts_with("eyJ") && b64url(p))
        && parts
            .get(1)
            .is_some_and(|p| p.starts_with("eyJ") && b64url(p))
}

/// The value of `key=` in a `;`-separated connection string, if non-empty.
fn connection_string_value<'v>(v: &'v str, key: &str) -> Option<&'v str> {
    v.split(';').find_map(|part| {
        let (k, val) = part.split_once('=')?;
        (k.trim().eq_ignore_ascii_case(key))
            .then(|| val.trim())
            .filter(|val| !val.is_empty() && !placeholder(val))
    })
}

/// What kind of secret the literal `v` is by its shape alone, if any. `entropy_ok` is false
/// when the literal is bound to an identifier-like name (a client id is random but public).
fn secret_shape(v: &str, entropy_ok: bool) -> Option<&'static str> {
    if v.contains("-----BEGIN") && v.contains("PRIVATE KEY") {
        return Some("a private key");
    }
    let t = v.trim();
    if is_jwt(t) {
        return Some("a JSON Web Token");
    }
    if t.len() == 20
        && t.starts_with("AKIA")
        && t.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Some("an AWS access key");
    }
    for (prefix, min) in KEY_PREFIXES {
        if let Some(rest) = t.strip_prefix(prefix) {
            if rest.len() >= min
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Some("an API key");
            }
        }
    }
    if ["password", "pwd", "accountkey", "sharedaccesskey"]
        .iter()
        .any(|k| connection_string_value(t, k).is_some())
    {
        return Some("a connection string with a secret");
    }
    if let Some((_, rest)) = t.split_once("://") {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            if userinfo
                .split_once(':')
                .is_some_and(|(_, p)| !p.is_empty() && !placeholder(p))
            {
                return Some("a URL with a password");
            }
        }
    }
    let token_chars = t
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'_' | b'-'));
    let classes = t.bytes().any(|b| b.is_ascii_digit())
        && t.bytes().any(|b| b.is_ascii_uppercase())
        && t.bytes().any(|b| b.is_ascii_lowercase());
    if entropy_ok && (32..=256).contains(&t.len()) && token_chars && classes && entropy(t) >= 4.3 {
        return Some("a high-entropy token");
    }
    None
}

/// The name a literal at `i` is bound to, when the literal is the binding's whole value.
fn bound_name(tokens: &[Token<'_>], i: usize) -> Option<String> {
    let eq = tokens.get(i.checked_sub(1)?)?;
    let end = tokens.get(i + 1).is_none_or(|t| {
        t.is_keyword("in")
            || (t.kind == TokenKind::Operator && matches!(t.text, "," | "]" | ";" | ")"))
    });
    if !eq.is_op("=") || !end {
        return None;
    }
    tokens.get(i.checked_sub(2)?)?.name()
}

/// True when the literal at `i` is an argument of a call in [`EXEMPT_CALLS`].
fn exempt(tokens: &[Token<'_>], i: usize) -> bool {
    let (Some(open), Some(f)) = (
        i.checked_sub(1).and_then(|p| tokens.get(p)),
        i.checked_sub(2).and_then(|p| tokens.get(p)),
    ) else {
        return false;
    };
    open.is_op("(") && EXEMPT_CALLS.contains(&f.text)
}

/// Shows the start of a secret and hides the rest.
fn redact(v: &str) -> String {
    let head: String = v.chars().take(4).collect();
    format!("\"{head}…\"")
}

/// Runs `hardcoded-secret` over every text literal.
pub(crate) fn run(pkg: &Package<'_>, report: &mut Report<'_>) {
    for doc in &pkg.docs {
        for (i, t) in doc.tokens.iter().enumerate() {
            let Some(v) = t.text_value() else { continue };
            if exempt(&doc.tokens, i) {
                continue;
            }
            if let Some(message) = literal_secret(&doc.tokens, i, &v) {
                report.at(&HARDCODED_SECRET, doc, i, message);
            }
        }
    }
}

fn literal_secret(tokens: &[Token<'_>], i: usize, v: &str) -> Option<String> {
    let name = bound_name(tokens, i);
    if let Some(name) = &name {
        if secret_name(name) && secret_value(v) {
            return Some(format!("`{name}` is set to a literal secret {}", redact(v)));
        }
        if name.eq_ignore_ascii_case("authorization") {
            let credential = v.split_once(' ').filter(|(scheme, _)| {
                ["bearer", "basic"].contains(&scheme.to_ascii_lowercase().as_str())
            });
            if let Some((_, cred)) = credential
                .filter(|(_, c)| secret_value(c.trim()) || c.trim().len() >= 16 && !placeholder(c))
            {
                return Some(format!(
                    "the Authorization header is a literal credential {}",
                    redact(cred.trim())
                ));
            }
        }
    }
    let entropy_ok = !name.as_deref().is_some_and(not_secret_name);
    secret_shape(v, entropy_ok).map(|kind| format!("text literal {} looks like {kind}", redact(v)))
}

/// Runs `packaged-secret`: secret files read with `Extension.Contents`, and secret files
/// shipped in the package.
pub(crate) fn run_packaged(pkg: &Package<'_>, report: &mut Report<'_>) {
    let mut reported: HashSet<String> = HashSet::new();
    let mut judged: HashMap<String, Option<&'static str>> = HashMap::new();
    for doc in &pkg.docs {
        for (i, t) in doc.tokens.iter().enumerate() {
            let Some(name) = t.text_value() else { continue };
            let called = i
                .checked_sub(2)
                .and_then(|p| doc.tokens.get(p))
                .is_some_and(|f| f.is_ident("Extension.Contents"))
                && doc.tokens.get(i - 1).is_some_and(|o| o.is_op("("));
            if !called {
                continue;
            }
            // Each file is judged once, however many calls read it.
            let key = name.to_ascii_lowercase();
            let why = match judged.get(&key) {
                Some(why) => *why,
                None => {
                    let why = match pkg.file(&name) {
                        Some(f) if budget::spend(f.bytes.len() / 8) => {
                            packaged_file_secret(&name, &f.bytes)
                        }
                        Some(_) => None,
                        None => match pkg.scanned_file(&name) {
                            Some(scanned) => scanned.secret,
                            None => secret_file(&name, None),
                        },
                    };
                    judged.insert(key, why);
                    why
                }
            };
            if let Some(why) = why {
                reported.insert(name.to_ascii_lowercase());
                report_call(report, doc, i, &name, why);
            }
        }
    }
    // Data files, whether still held (a source built from files) or scanned as they were read.
    let held = pkg
        .files
        .iter()
        .filter(|f| !is_packaged_file(&f.name))
        .map(|f| (f.name.as_str(), packaged_file_secret(&f.name, &f.bytes)));
    let scanned = pkg.scanned.iter().map(|f| (f.name.as_str(), f.secret));
    for (name, why) in held.chain(scanned) {
        if let Some(why) = why.filter(|_| !reported.contains(&name.to_ascii_lowercase())) {
            report.at_position(&PACKAGED_SECRET, name, 1, 1, format!("{name} {why}"));
        }
    }
}

/// What `packaged-secret` finds in a shipped data file (by its name and text), computed when
/// the file is read so that the file need not be kept (see [`crate::lint::ScannedFile`]).
pub(crate) fn packaged_file_secret(name: &str, bytes: &[u8]) -> Option<&'static str> {
    secret_file(name, Some(&decode_text(bytes)))
}

fn report_call(report: &mut Report<'_>, doc: &Document<'_>, at: usize, name: &str, why: &str) {
    report.at(
        &PACKAGED_SECRET,
        doc,
        at,
        format!("Extension.Contents reads packaged file \"{name}\", which {why}"),
    );
}

const CLIENT_SECRET: &[u8] = b"client_secret";

/// Why a packaged file holds a secret, judged by its name and (text) content.
fn secret_file(name: &str, content: Option<&str>) -> Option<&'static str> {
    let base = name.rsplit('/').next().unwrap_or(name);
    let stem = base.split_once('.').map_or(base, |(s, _)| s);
    if secret_name(stem) {
        return Some("has a name that says it holds a secret");
    }
    let content = content?;
    if content.contains("-----BEGIN") && content.contains("PRIVATE KEY") {
        return Some("holds a private key");
    }
    // Case-insensitive search without a lower-cased copy of a possibly large file.
    if content
        .as_bytes()
        .windows(CLIENT_SECRET.len())
        .any(|w| w.eq_ignore_ascii_case(CLIENT_SECRET))
    {
        return Some("holds a client_secret");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for n in [
            "client_secret",
            "ApiKey",
            "#x-api-key",
            "Ocp-Apim-Subscription-Key",
            "password",
            "refresh_token",
        ] {
            assert!(secret_name(n), "{n}");
        }
        for n in [
            "PasswordLabel",
            "token_uri",
            "client_id",
            "TokenMethod",
            "keyName",
        ] {
            assert!(!secret_name(n), "{n}");
        }
    }

    #[test]
    fn secret_shapes() {
        assert_eq!(
            secret_shape("AKIAIOSFODNN7EXAMPLE", true),
            Some("an AWS access key")
        );
        assert_eq!(
            secret_shape("Server=x;Database=y;Pwd=S3cret!;", true),
            Some("a connection string with a secret")
        );
        assert_eq!(
            secret_shape("https://bob:pa55@example.com/", true),
            Some("a URL with a password")
        );
        assert_eq!(
            secret_shape("8f14e45f-ceea-467f-a9f5-6c1b2b7a1f3e", true),
            None
        );
        assert_eq!(secret_shape("Server=x;Password=;", true), None);
        assert_eq!(
            secret_shape("kR7vQ2mZ9xL4pT8wN3sB6yH1cF5gJ0dAeU", true),
            Some("a high-entropy token")
        );
        assert_eq!(
            secret_shape("kR7vQ2mZ9xL4pT8wN3sB6yH1cF5gJ0dAeU", false),
            None
        );
    }
}
