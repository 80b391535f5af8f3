//! The M files of a connector, tokenized, and the outline of a section document.
//!
//! A section document (M spec, "Sections") is
//! `[attributes] section Name; { [attributes] [shared] member = expression; }`.
//! The outline records each member's name, its `shared` flag, its literal attributes
//! (`[DataSource.Kind = "X", Publish = "X.Publish"]`) and the tokens of its expression, which
//! is what the structural rules need. `.pqm` modules are single expressions loaded by the
//! section document; they get no outline.

use std::collections::HashMap;

use super::syntax::{literal_text, matching_close, record_fields, Field, Span};
use super::token::{significant_tokens, Token, TokenKind};

/// One tokenized M file of the connector.
#[derive(Debug)]
pub(crate) struct Document<'a> {
    /// Name relative to the package root.
    pub file: &'a str,
    /// The significant tokens (comments removed).
    pub tokens: Vec<Token<'a>>,
    /// The outline, when the file is a section document.
    pub section: Option<Section>,
    /// Why the file is not a section document (token index of the culprit and a reason);
    /// `None` when it is one or when it is a module.
    pub not_section: Option<(Option<usize>, String)>,
}

/// The outline of a section document.
#[derive(Debug)]
pub(crate) struct Section {
    /// The section name.
    pub name: String,
    /// Index of the `section` keyword.
    pub keyword_at: usize,
    /// The literal attributes before `section` (`[Version = "1.0.0"]`).
    pub attributes: Vec<Field>,
    /// The members, in source order.
    pub members: Vec<Member>,
    /// Member name to index in `members` (the first definition), so that rules resolving
    /// every identifier stay linear.
    index: HashMap<String, usize>,
}

/// One member of a section.
#[derive(Debug)]
pub(crate) struct Member {
    /// The member name, unquoted (`HelloWorld.Contents`).
    pub name: String,
    /// Index of the name token.
    pub name_at: usize,
    /// Whether it is `shared` (exported from the connector).
    pub shared: bool,
    /// The literal attributes before it.
    pub attributes: Vec<Field>,
    /// The tokens of its expression.
    pub value: Span,
}

impl Member {
    /// The text value of attribute `name` with the index of its literal token.
    pub fn attribute_text(&self, tokens: &[Token<'_>], name: &str) -> Option<(usize, String)> {
        let field = self.attributes.iter().find(|f| f.name == name)?;
        literal_text(tokens, field.value.clone())
    }
}

impl Section {
    /// The member called `name`.
    pub fn member(&self, name: &str) -> Option<&Member> {
        self.index.get(name).and_then(|&i| self.members.get(i))
    }

    /// The index in `members` of the member called `name`.
    pub fn member_index(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
}

impl<'a> Document<'a> {
    /// Tokenizes `text`; outlines it as a section document unless `module` says it is a
    /// `.pqm` module.
    pub fn new(file: &'a str, text: &'a str, module: bool) -> Self {
        let tokens = significant_tokens(text);
        if nesting_depth(&tokens) > MAX_NESTING {
            let why = format!(
                "brackets nest deeper than {MAX_NESTING} levels; the file was not analysed"
            );
            return Document {
                file,
                tokens: Vec::new(),
                section: None,
                not_section: Some((None, why)),
            };
        }
        let (section, not_section) = if module {
            (None, None)
        } else {
            match parse_section(&tokens) {
                Ok(s) => (Some(s), None),
                Err(e) => (None, Some(e)),
            }
        };
        Document {
            file,
            tokens,
            section,
            not_section,
        }
    }

    /// The whole file as one span.
    pub fn all(&self) -> Span {
        0..self.tokens.len()
    }
}

/// Deepest bracket nesting pqx analyses. Real connectors stay far below; the bound keeps the
/// rules' bracket matching linear-ish on hostile input.
const MAX_NESTING: usize = 256;

/// The deepest bracket nesting in `tokens`.
fn nesting_depth(tokens: &[Token<'_>]) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for t in tokens {
        if t.kind == TokenKind::Operator && matches!(t.text, "(" | "[" | "{") {
            depth += 1;
            max = max.max(depth);
        } else if t.kind == TokenKind::Operator && matches!(t.text, ")" | "]" | "}") {
            depth = depth.saturating_sub(1);
        }
    }
    max
}

/// Parses literal attributes `[ … ]` starting at `at`, returning them and the index after.
fn attributes_at(tokens: &[Token<'_>], at: usize) -> (Vec<Field>, usize) {
    if tokens.get(at).is_some_and(|t| t.is_op("[")) {
        if let Some(close) = matching_close(tokens, at, tokens.len()) {
            let fields = record_fields(tokens, at..close + 1).unwrap_or_default();
            return (fields, close + 1);
        }
    }
    (Vec::new(), at)
}

/// Outlines a section document, or says where and why it is not one.
fn parse_section(tokens: &[Token<'_>]) -> Result<Section, (Option<usize>, String)> {
    let (attributes, at) = attributes_at(tokens, 0);
    let found = |i: usize| {
        tokens.get(i).map_or("the end of the file".to_owned(), |t| {
            format!("`{}`", t.text)
        })
    };
    if !tokens.get(at).is_some_and(|t| t.is_keyword("section")) {
        let at_token = (at < tokens.len()).then_some(at);
        return Err((
            at_token,
            format!("expected `section Name;` but found {}", found(at)),
        ));
    }
    let Some(name) = tokens.get(at + 1).and_then(Token::name) else {
        return Err((
            Some(at),
            format!(
                "`section` is not followed by a name but by {}",
                found(at + 1)
            ),
        ));
    };
    if !tokens.get(at + 2).is_some_and(|t| t.is_op(";")) {
        return Err((
            Some(at),
            format!(
                "`section {name}` is not followed by `;` but by {}",
                found(at + 2)
            ),
        ));
    }
    let mut members = Vec::new();
    let mut i = at + 3;
    while i < tokens.len() {
        let (attrs, j) = attributes_at(tokens, i);
        let shared = tokens.get(j).is_some_and(|t| t.is_keyword("shared"));
        let name_at = if shared { j + 1 } else { j };
        let end = (name_at..tokens.len())
            .find(|&k| tokens.get(k).is_some_and(|t| t.is_op(";")))
            .unwrap_or(tokens.len());
        let name = tokens.get(name_at).and_then(Token::name);
        let has_eq = tokens.get(name_at + 1).is_some_and(|t| t.is_op("="));
        if let (Some(name), true) = (name, has_eq) {
            members.push(Member {
                name,
                name_at,
                shared,
                attributes: attrs,
                value: name_at + 2..end,
            });
        }
        i = end + 1;
    }
    let mut index = HashMap::new();
    for (i, m) in members.iter().enumerate() {
        index.entry(m.name.clone()).or_insert(i);
    }
    Ok(Section {
        name,
        keyword_at: at,
        attributes,
        members,
        index,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outlines_a_section_document() {
        let src = r#"[Version = "1.0.0"] section A;
            [DataSource.Kind = "A", Publish = "A.Publish"]
            shared A.Contents = () => 1;
            A = [TestConnection = (p) => {"A.Contents"}];"#;
        let doc = Document::new("A.pq", src, false);
        let s = doc
            .section
            .as_ref()
            .map(|s| (s.name.as_str(), s.members.len(), s.attributes.len()));
        assert_eq!(s, Some(("A", 2, 1)));
        let m = doc.section.as_ref().and_then(|s| s.member("A.Contents"));
        assert!(m.is_some_and(|m| m.shared));
        let kind = m.and_then(|m| m.attribute_text(&doc.tokens, "DataSource.Kind"));
        assert_eq!(kind.map(|k| k.1).as_deref(), Some("A"));
    }

    #[test]
    fn explains_what_is_not_a_section_document() {
        let doc = Document::new("A.pq", "let a = 1 in a", false);
        assert!(doc.section.is_none());
        assert_eq!(doc.not_section.map(|n| n.0), Some(Some(0)));
        assert!(Document::new("A.pq", "", false).section.is_none());
    }
}
