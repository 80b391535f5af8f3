//! Just enough structure over a token list for the rules: bracket matching, call arguments,
//! record fields and `name = value` bindings.
//!
//! This is not an M parser. It recognises the few shapes the certification rules talk about
//! (`f(a, b)`, `[Name = value, …]`, `let name = value, … in …`) and answers `None` when the
//! code has another shape, so that a rule stays silent rather than guess.

use std::ops::Range;

use super::budget;
use super::token::{Token, TokenKind};

/// A token index range (`start..end`) in a document's significant tokens.
pub(crate) type Span = Range<usize>;

/// `name = value` inside a record, a `let`, or a section.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    /// The field name, unquoted (`#"x-api-key"` gives `x-api-key`).
    pub name: String,
    /// Index of the name token.
    pub name_at: usize,
    /// The value's tokens.
    pub value: Span,
}

fn is_open(t: &Token<'_>) -> bool {
    t.kind == TokenKind::Operator && matches!(t.text, "(" | "[" | "{")
}

fn is_close(t: &Token<'_>) -> bool {
    t.kind == TokenKind::Operator && matches!(t.text, ")" | "]" | "}")
}

/// Index of the bracket closing the one at `open` (any bracket kind counts for nesting, so
/// that malformed code cannot send the search astray for long), or `None`. Pays the
/// [`budget`] for the tokens it walks (bounded by the nesting limit for well-formed code).
pub(crate) fn matching_close(tokens: &[Token<'_>], open: usize, end: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut found = None;
    for (i, t) in tokens.iter().enumerate().take(end).skip(open) {
        if is_open(t) {
            depth += 1;
        } else if is_close(t) {
            let Some(d) = depth.checked_sub(1) else { break };
            depth = d;
            if depth == 0 {
                found = Some(i);
                break;
            }
        }
    }
    let walked = found.map_or(end.min(tokens.len()), |c| c + 1);
    budget::spend(walked.saturating_sub(open)).then_some(found?)
}

/// Splits `span` at commas that are outside brackets and outside `let … in`.
pub(crate) fn split_commas(tokens: &[Token<'_>], span: Span) -> Vec<Span> {
    let mut parts = Vec::new();
    if !budget::spend(span.len()) {
        return parts;
    }
    let (mut depth, mut lets, mut start) = (0usize, 0usize, span.start);
    for i in span.clone() {
        let Some(t) = tokens.get(i) else { break };
        if is_open(t) {
            depth += 1;
        } else if is_close(t) {
            depth = depth.saturating_sub(1);
        } else if t.is_keyword("let") {
            lets += 1;
        } else if t.is_keyword("in") {
            lets = lets.saturating_sub(1);
        } else if t.is_op(",") && depth == 0 && lets == 0 {
            parts.push(start..i);
            start = i + 1;
        }
    }
    if start < span.end || !parts.is_empty() {
        parts.push(start..span.end);
    }
    parts
}

/// The arguments of a call whose function name is the token at `name_at` (which must be
/// followed by `(`), or `None` when it is not a call.
pub(crate) fn call_args(tokens: &[Token<'_>], name_at: usize) -> Option<Vec<Span>> {
    let open = name_at + 1;
    if !tokens.get(open)?.is_op("(") {
        return None;
    }
    let close = matching_close(tokens, open, tokens.len())?;
    Some(split_commas(tokens, open + 1..close))
}

/// Removes redundant outer parentheses: `((x))` gives `x`.
pub(crate) fn strip_parens(tokens: &[Token<'_>], mut span: Span) -> Span {
    while span.end > span.start + 1
        && tokens.get(span.start).is_some_and(|t| t.is_op("("))
        && matching_close(tokens, span.start, span.end) == Some(span.end - 1)
    {
        span = span.start + 1..span.end - 1;
    }
    span
}

/// The fields of a record literal `[a = 1, b = 2]` spanning exactly `span`, or `None` when
/// `span` is something else. Fields that are not `name = value` are skipped.
pub(crate) fn record_fields(tokens: &[Token<'_>], span: Span) -> Option<Vec<Field>> {
    let span = strip_parens(tokens, span);
    if !tokens.get(span.start)?.is_op("[")
        || matching_close(tokens, span.start, span.end)? + 1 != span.end
    {
        return None;
    }
    let inner = span.start + 1..span.end - 1;
    let mut fields = Vec::new();
    for part in split_commas(tokens, inner) {
        let Some(eq) = part
            .clone()
            .find(|&i| tokens.get(i).is_some_and(|t| t.is_op("=")))
        else {
            continue;
        };
        // A generalized identifier may be several words (`[Field Name = 1]`).
        let words: Option<Vec<String>> = part
            .clone()
            .take_while(|&i| i < eq)
            .map(|i| tokens.get(i).and_then(Token::name))
            .collect();
        let Some(words) = words.filter(|w| !w.is_empty()) else {
            continue;
        };
        fields.push(Field {
            name: words.join(" "),
            name_at: part.start,
            value: eq + 1..part.end,
        });
    }
    Some(fields)
}

/// The field named `name` of a record literal spanning `span`.
pub(crate) fn record_field(tokens: &[Token<'_>], span: Span, name: &str) -> Option<Field> {
    record_fields(tokens, span)?
        .into_iter()
        .find(|f| f.name == name)
}

/// One open construct while [`bindings`] walks the tokens: a bracket or a `let` (closed by
/// its `in`), with the bindings whose values started directly inside it and have not ended.
struct Frame {
    is_let: bool,
    pending: Vec<usize>,
}

/// Every `name = value` binding inside `span`: `let` variables and record fields, at any
/// depth. A name followed by `=` counts as a binding when it follows `let`, `[` or `,` —
/// where M allows a binding — so that an equality test (`if a = b`) is not taken for one.
///
/// A value ends at the `,`, `;` or `in` of the construct it is written in, or where that
/// construct's bracket closes (or at the end of `span`). One pass with a stack of open
/// constructs finds every end, so a 40 000-deep nest of `let a = let b = … in b in a` costs
/// what 40 000 sibling bindings cost: finding each end by scanning ahead was quadratic.
pub(crate) fn bindings(tokens: &[Token<'_>], span: Span) -> Vec<Field> {
    let mut out: Vec<Field> = Vec::new();
    if !budget::spend(span.len()) {
        return out;
    }
    let mut stack = vec![Frame {
        is_let: false,
        pending: Vec::new(),
    }];
    let finish = |frame: &mut Frame, at: usize, out: &mut Vec<Field>| {
        for k in frame.pending.drain(..) {
            if let Some(f) = out.get_mut(k) {
                f.value.end = at.max(f.value.start);
            }
        }
    };
    for i in span.clone() {
        let Some(t) = tokens.get(i) else { break };
        let level = stack.len();
        if is_open(t) || t.is_keyword("let") {
            stack.push(Frame {
                is_let: !is_open(t),
                pending: Vec::new(),
            });
        } else if is_close(t) {
            // Ends every value inside the bracket, unclosed `let`s included.
            while let Some(mut frame) = stack.pop() {
                finish(&mut frame, i, &mut out);
                if !frame.is_let {
                    break;
                }
            }
            if stack.is_empty() {
                stack.push(Frame {
                    is_let: false,
                    pending: Vec::new(),
                });
            }
        } else if t.is_keyword("in") || t.is_op(",") || t.is_op(";") {
            if let Some(frame) = stack.last_mut() {
                finish(frame, i, &mut out);
            }
            if t.is_keyword("in") && level > 1 && stack.last().is_some_and(|f| f.is_let) {
                stack.pop();
            }
        }
        let binder = i > span.start
            && i + 1 < span.end
            && tokens.get(i + 1).is_some_and(|n| n.is_op("="))
            && tokens
                .get(i - 1)
                .is_some_and(|p| p.is_keyword("let") || p.is_op("[") || p.is_op(","));
        if let (true, Some(name)) = (binder, t.name()) {
            if let Some(frame) = stack.last_mut() {
                frame.pending.push(out.len());
            }
            out.push(Field {
                name,
                name_at: i,
                value: i + 2..span.end,
            });
        }
    }
    out
}

/// True when the identifier at `i` is a field *name* rather than a variable reference: the
/// selector of `r[name]` or the left side of a binding.
pub(crate) fn is_field_name(tokens: &[Token<'_>], i: usize) -> bool {
    let prev = i.checked_sub(1).and_then(|p| tokens.get(p));
    let next = tokens.get(i + 1);
    let selector = prev.is_some_and(|p| p.is_op("[")) && next.is_some_and(|n| n.is_op("]"));
    let binder = next.is_some_and(|n| n.is_op("="))
        && prev.is_some_and(|p| p.is_keyword("let") || p.is_op("[") || p.is_op(","));
    selector || binder
}

/// The single text literal `span` consists of (parentheses aside), if it is one.
pub(crate) fn literal_text(tokens: &[Token<'_>], span: Span) -> Option<(usize, String)> {
    let span = strip_parens(tokens, span);
    if span.len() != 1 {
        return None;
    }
    tokens
        .get(span.start)
        .and_then(|t| t.text_value())
        .map(|v| (span.start, v))
}

/// The single identifier `span` consists of, if it is one.
pub(crate) fn single_name(tokens: &[Token<'_>], span: Span) -> Option<String> {
    let span = strip_parens(tokens, span);
    if span.len() != 1 {
        return None;
    }
    tokens.get(span.start).and_then(Token::name)
}

#[cfg(test)]
mod tests {
    use super::super::token::significant_tokens;
    use super::*;

    #[test]
    fn finds_record_fields_and_call_args() {
        let t = significant_tokens(r#"f([a = 1, #"b c" = g(2, 3)], let x = 1, y = 2 in x)"#);
        let args = call_args(&t, 0).unwrap_or_default();
        assert_eq!(args.len(), 2);
        let fields = record_fields(&t, args[0].clone()).unwrap_or_default();
        let names: Vec<_> = fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["a", "b c"]);
    }

    #[test]
    fn bindings_skip_equality_tests() {
        let t = significant_tokens("let a = if b = 1 then 2 else 3, c = [d = a] in c");
        let names: Vec<_> = bindings(&t, 0..t.len())
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(names, ["a", "c", "d"]);
    }
}
