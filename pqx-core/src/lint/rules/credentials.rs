//! Rules about where credentials go: `credential-in-query-string` and `diagnostics-leak`.
//!
//! Both follow credential data from `Extension.CurrentCredential()` through bindings (see
//! [`super::flow`]) to a sink: the URL, `RelativePath` or `Query` of `Web.Contents` (URLs end
//! up in logs, proxies and caches; keys belong in `Headers`, or in `CredentialQueryString`
//! which Power Query keeps out of traces), and the arguments of `Diagnostics.*` tracing
//! calls (traces are written to files users send to support).

use std::collections::{HashMap, HashSet};

use super::super::finding::{RuleInfo, Severity};
use super::super::syntax::{record_fields, single_name, Field, Span};
use super::super::token::Token;
use super::flow::{
    global_credentials, local_credentials, local_responses, whole_response, Credentials, Scope,
};
use super::{Package, Report};

/// Rule `credential-in-query-string`.
pub(crate) const CREDENTIAL_IN_QUERY_STRING: RuleInfo = RuleInfo {
    id: "credential-in-query-string",
    severity: Severity::Error,
    summary: "Credentials from Extension.CurrentCredential() must not be put into a URL or the Query of Web.Contents",
    help: "Send the key or token in a header (Web.Contents(url, [Headers = [Authorization = \"Bearer \" & token]])). If the service only accepts it in the query string, name the parameter in CredentialQueryString = [api_key = key] so that Power Query keeps it out of traces and caches.",
};

/// Rule `diagnostics-leak`.
pub(crate) const DIAGNOSTICS_LEAK: RuleInfo = RuleInfo {
    id: "diagnostics-leak",
    severity: Severity::Error,
    summary: "Diagnostics.* calls must not trace credentials or whole responses",
    help: "Trace what helps diagnose without exposing data: the URL without secrets, the status code (Value.Metadata(response)[Response.Status]), a row count. Never trace the credential record, a key or token, headers that hold them, or a whole response body.",
};

/// The `Web.Contents` option fields that end up in the request URL.
const URL_OPTIONS: [&str; 2] = ["Query", "RelativePath"];

/// Runs both rules over every unit of code.
pub(crate) fn run(pkg: &Package<'_>, report: &mut Report<'_>) {
    let globals: HashMap<&str, _> = pkg
        .sections()
        .map(|(doc, s)| (doc.file, global_credentials(doc, s)))
        .collect();
    for scope in Scope::all(pkg) {
        let none = HashSet::new();
        let global = globals.get(scope.doc.file).unwrap_or(&none);
        let tainted = local_credentials(&scope, global);
        let tokens = scope.tokens();
        let name = |i: usize| tokens.get(i).map_or(String::new(), |t| t.text.to_owned());
        let mut named_options = HashMap::new();
        for (at, args) in scope.calls(|n| n == "Web.Contents") {
            if let Some(culprit) = url_credential(&scope, &args, &tainted, &mut named_options) {
                let (part, i) = culprit;
                let message = format!(
                    "`{}` carries credentials from Extension.CurrentCredential() into the {part} of Web.Contents",
                    name(i)
                );
                report.at(&CREDENTIAL_IN_QUERY_STRING, scope.doc, at, message);
            }
        }
        let responses = local_responses(&scope);
        for (at, mut args) in scope.calls(|n| n.starts_with("Diagnostics.")) {
            let call = name(at);
            if call == "Diagnostics.Trace" {
                // Diagnostics.Trace(level, message, value, delayed): only the message is
                // written to the trace; the value is passed through.
                args = args.get(1).cloned().into_iter().collect();
            }
            let cred = args.iter().find_map(|a| tainted.first_in(a.clone()));
            let message = if let Some(i) = cred {
                format!("{call} traces `{}`, which holds credentials", name(i))
            } else if let Some(i) = args
                .iter()
                .flat_map(|a| concat_operands(tokens, a.clone()))
                .find_map(|a| whole_response(tokens, a, &responses))
            {
                format!("{call} traces `{}`, a whole web response", name(i))
            } else {
                continue;
            };
            report.at(&DIAGNOSTICS_LEAK, scope.doc, at, message);
        }
    }
}

/// Where credentials reach the URL of a `Web.Contents(url, options)` call: which part and the
/// token that brings them.
fn url_credential(
    scope: &Scope<'_, '_>,
    args: &[Span],
    tainted: &Credentials,
    named_options: &mut HashMap<String, Vec<Field>>,
) -> Option<(&'static str, usize)> {
    let use_in = |span: Span| tainted.first_in(span);
    if let Some(i) = args.first().and_then(|u| use_in(u.clone())) {
        return Some(("URL", i));
    }
    let options = args.get(1)?;
    for field in option_fields(scope, options.clone(), named_options) {
        if let Some(part) = URL_OPTIONS.iter().find(|p| **p == field.name) {
            if let Some(i) = use_in(field.value.clone()) {
                return Some((part, i));
            }
        }
    }
    None
}

/// The URL fields ([`URL_OPTIONS`]) of the options record: written inline, or bound to a
/// local name. A named record is read once per unit (`named`), however many calls use it.
fn option_fields(
    scope: &Scope<'_, '_>,
    span: Span,
    named: &mut HashMap<String, Vec<Field>>,
) -> Vec<Field> {
    let tokens = scope.tokens();
    let url_fields = |fields: Vec<Field>| -> Vec<Field> {
        fields
            .into_iter()
            .filter(|f| URL_OPTIONS.contains(&f.name.as_str()))
            .collect()
    };
    if let Some(fields) = record_fields(tokens, span.clone()) {
        return url_fields(fields);
    }
    let Some(name) = single_name(tokens, span) else {
        return Vec::new();
    };
    named
        .entry(name)
        .or_insert_with_key(|name| {
            scope
                .definitions(name)
                .into_iter()
                .find_map(|d| record_fields(tokens, d))
                .map(url_fields)
                .unwrap_or_default()
        })
        .clone()
}

/// Splits `a & b & c` into its operands (outside brackets).
fn concat_operands(tokens: &[Token<'_>], span: Span) -> Vec<Span> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, span.start);
    for i in span.clone() {
        let Some(t) = tokens.get(i) else { break };
        match t.text {
            "(" | "[" | "{" if t.kind == super::super::token::TokenKind::Operator => depth += 1,
            ")" | "]" | "}" if t.kind == super::super::token::TokenKind::Operator => {
                depth = depth.saturating_sub(1)
            }
            "&" if depth == 0 && t.is_op("&") => {
                parts.push(start..i);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(start..span.end);
    parts
}
