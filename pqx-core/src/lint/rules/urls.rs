//! Rule `insecure-url`: no `http://` endpoints.
//!
//! Plain HTTP sends the user's credentials and data in clear text. The rule looks at text
//! literals that start with `http://`, and leaves alone what is not an endpoint: loopback
//! hosts (a local service), XML namespace names (`http://www.w3.org/…` is an identifier,
//! never fetched), and the bare prefix `"http://"` used to test a URL's scheme.

use super::super::finding::{RuleInfo, Severity};
use super::{Package, Report};

/// Rule `insecure-url`.
pub(crate) const INSECURE_URL: RuleInfo = RuleInfo {
    id: "insecure-url",
    severity: Severity::Error,
    summary: "No http:// endpoints (except localhost)",
    help: "Use https:// for every endpoint and link. If users give the URL, reject anything but https (if not Text.StartsWith(url, \"https://\") then error \"…\").",
};

/// Hosts that are names of XML namespaces, not servers pqx should talk about.
const NAMESPACE_HOSTS: [&str; 8] = [
    "www.w3.org",
    "schemas.xmlsoap.org",
    "schemas.microsoft.com",
    "schemas.openxmlformats.org",
    "purl.org",
    "docs.oasis-open.org",
    "ns.adobe.com",
    "xmlns.com",
];

/// The host of an `http://` URL, lower-cased, without user info or port.
fn host(rest: &str) -> String {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port
            .split_once(']')
            .map_or(host_port, |(h, _)| h)
            .trim_start_matches('[')
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    host.to_ascii_lowercase()
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.ends_with(".localhost") || host.starts_with("127.") || host == "::1"
}

/// Reports each literal `http://` endpoint.
pub(crate) fn run(pkg: &Package<'_>, report: &mut Report<'_>) {
    for doc in &pkg.docs {
        for (i, t) in doc.tokens.iter().enumerate() {
            let Some(v) = t.text_value() else { continue };
            let trimmed = v.trim_start();
            let Some(rest) = trimmed
                .get(..7)
                .filter(|p| p.eq_ignore_ascii_case("http://"))
                .and(trimmed.get(7..))
            else {
                continue;
            };
            let host = host(rest);
            let builds_url = doc.tokens.get(i + 1).is_some_and(|n| n.is_op("&"));
            if (host.is_empty() && !builds_url)
                || is_loopback(&host)
                || NAMESPACE_HOSTS.contains(&host.as_str())
            {
                continue;
            }
            let shown = if host.is_empty() {
                "http://…".to_owned()
            } else {
                format!("http://{host}")
            };
            report.at(
                &INSECURE_URL,
                doc,
                i,
                format!("{shown} is not encrypted; use https://"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(host("user:pw@Example.com:8080/x"), "example.com");
        assert_eq!(host("[::1]:80/"), "::1");
        assert!(is_loopback(&host("127.0.0.1:5000")));
    }
}
