//! MSBuild `Condition` attributes: the comparisons pqx can evaluate exactly.
//!
//! The SDK's project template only uses `'$(OutputPath)' == ''`. pqx evaluates `true`,
//! `false`, and `A == B` / `A != B` of quoted or bare operands after property expansion
//! (compared without regard to ASCII case, as MSBuild does), joined by `and` or `or` (not
//! mixed, no parentheses). Anything else (`Exists(…)`, `HasTrailingSlash(…)`, numeric
//! comparisons, parentheses) depends on the machine or needs MSBuild: it is
//! [`Unevaluable`], and the caller reports it instead of guessing.

use super::properties::{Properties, Unevaluable};

/// Evaluates `condition` with `props`.
pub fn evaluate(condition: &str, props: &Properties) -> Result<bool, Unevaluable> {
    let unevaluable = || Unevaluable(condition.trim().to_owned());
    if condition.contains(['(', ')']) && !only_property_parens(condition) {
        return Err(unevaluable());
    }
    let (parts, is_and) = split_joined(condition).ok_or_else(unevaluable)?;
    let mut results = Vec::with_capacity(parts.len());
    for part in parts {
        results.push(comparison(&part, props).ok_or_else(unevaluable)??);
    }
    Ok(if is_and {
        results.iter().all(|&r| r)
    } else {
        results.iter().any(|&r| r)
    })
}

/// True when every parenthesis belongs to a `$(Name)` reference.
fn only_property_parens(text: &str) -> bool {
    let stripped = text.replace("$(", "");
    let opens = stripped.matches('(').count();
    let closes = stripped.matches(')').count();
    opens == 0 && closes == text.matches("$(").count()
}

/// Splits on ` and ` / ` or ` outside quotes; `None` when both appear (precedence would
/// matter).
fn split_joined(condition: &str) -> Option<(Vec<String>, bool)> {
    let mut parts = vec![String::new()];
    let mut quoted = false;
    let (mut ands, mut ors) = (0, 0);
    let words: Vec<&str> = condition.split(' ').collect();
    for w in words {
        if !quoted && w.eq_ignore_ascii_case("and") {
            ands += 1;
            parts.push(String::new());
            continue;
        }
        if !quoted && w.eq_ignore_ascii_case("or") {
            ors += 1;
            parts.push(String::new());
            continue;
        }
        quoted ^= w.matches('\'').count() % 2 == 1;
        let last = parts.last_mut()?;
        last.push_str(w);
        last.push(' ');
    }
    if ands > 0 && ors > 0 {
        return None;
    }
    Some((parts, ands > 0))
}

/// One `A == B`, `A != B`, `true` or `false`; `None` when it is not of that form.
fn comparison(text: &str, props: &Properties) -> Option<Result<bool, Unevaluable>> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("'true'") {
        return Some(Ok(true));
    }
    if t.eq_ignore_ascii_case("false") || t.eq_ignore_ascii_case("'false'") {
        return Some(Ok(false));
    }
    let (left, right, equal) = if let Some((l, r)) = t.split_once("==") {
        (l, r, true)
    } else if let Some((l, r)) = t.split_once("!=") {
        (l, r, false)
    } else {
        return None;
    };
    let l = operand(left, props)?;
    let r = operand(right, props)?;
    Some(match (l, r) {
        (Ok(l), Ok(r)) => Ok(l.eq_ignore_ascii_case(&r) == equal),
        (Err(e), _) | (_, Err(e)) => Err(e),
    })
}

/// A quoted (`'…'`) or bare operand, expanded.
fn operand(text: &str, props: &Properties) -> Option<Result<String, Unevaluable>> {
    let t = text.trim();
    let inner = match t.strip_prefix('\'') {
        Some(rest) => rest.strip_suffix('\'')?,
        None if t.contains([' ', '\'', '<', '>', '!', '=']) => return None,
        None => t,
    };
    if inner.contains('\'') {
        return None;
    }
    Some(props.expand(inner, true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn props() -> Properties {
        let mut p = Properties::for_project(Path::new("/x/HelloWorld.proj"));
        p.set("Configuration", "Debug".into());
        p
    }

    #[test]
    fn evaluates_the_sdk_templates_comparisons() {
        let p = props();
        assert_eq!(evaluate("'$(OutputPath)' == ''", &p), Ok(true));
        assert_eq!(evaluate(" '$(Configuration)' == 'debug' ", &p), Ok(true));
        assert_eq!(evaluate("'$(Configuration)' != 'Debug'", &p), Ok(false));
        assert_eq!(
            evaluate("'$(Configuration)' == 'Debug' and '$(X)' == ''", &p),
            Ok(true)
        );
        assert_eq!(
            evaluate("'$(Configuration)' == 'Release' or 'a b' == 'a b'", &p),
            Ok(true)
        );
        assert_eq!(evaluate("true", &p), Ok(true));
    }

    #[test]
    fn reports_conditions_that_need_msbuild_or_the_machine() {
        let p = props();
        for c in [
            "Exists('HelloWorld.pq')",
            "!Exists('$(OutputPath)')",
            "'$(A)' == '1' and '$(B)' == '2' or '$(C)' == '3'",
            "('$(A)' == '1')",
            "$(Count) > 2",
            "'$([System.DateTime]::Now)' == ''",
        ] {
            assert!(evaluate(c, &p).is_err(), "{c}");
        }
    }
}
