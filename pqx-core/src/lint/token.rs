//! A tokenizer for the Power Query M language.
//!
//! The connector rules look at *code*, never at the inside of comments or text literals: a
//! URL in a comment is not an endpoint, and `"Extension.CurrentCredential()"` in a string is
//! not a call. This module splits M source text into tokens following the lexical grammar of
//! the M language specification ("Lexical structure": identifiers, keywords, literals,
//! comments, operators and punctuators), so that rules can match on token kinds.
//!
//! The tokenizer is total: every input, including arbitrary text with unterminated strings or
//! comments, produces a token list in linear time. Malformed pieces become
//! [`TokenKind::Error`] tokens instead of panics or errors, because a checker must still report
//! what it can see in a half-written connector.

/// Why a piece of input could not be read as a normal token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LexError {
    /// A text literal (`"…`) runs to the end of the input.
    UnterminatedText,
    /// A quoted identifier (`#"…`) runs to the end of the input.
    UnterminatedQuotedIdentifier,
    /// A delimited comment (`/* …`) runs to the end of the input.
    UnterminatedComment,
    /// A character that starts no M token (e.g. `$`, or a lone `.` or `#`).
    UnexpectedCharacter,
}

/// The lexical class of a [`Token`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenKind {
    /// A regular identifier, dotted names included (`Extension.CurrentCredential` is one token,
    /// as in the M grammar's `regular-identifier`).
    Identifier,
    /// A quoted identifier, `#"any ""text"""`.
    QuotedIdentifier,
    /// A keyword (`let`, `in`, `section`, `shared`, `meta`, …) or a `#` keyword (`#date`,
    /// `#shared`, `#table`, …).
    Keyword,
    /// A text literal, `"…"` with `""` escapes; the token text includes the quotes.
    Text,
    /// A number literal: decimal (`1`, `1.5`, `.5`, `1e3`) or hexadecimal (`0x1F`).
    Number,
    /// An operator or punctuator (`=`, `=>`, `..`, `...`, `??`, `<>`, `(`, `[`, `,`, `;`, …).
    Operator,
    /// A `//` single-line or `/* */` delimited comment, delimiters included.
    Comment,
    /// Input that is not a valid token; see [`LexError`].
    Error(LexError),
}

/// One token: its kind, its exact source text, and where it starts.
///
/// Lines and columns are 1-based; columns count characters (not bytes), the unit editors and
/// SARIF viewers show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    /// The lexical class.
    pub kind: TokenKind,
    /// The source text of the token, exactly as written.
    pub text: &'a str,
    /// 1-based line of the first character.
    pub line: u32,
    /// 1-based column (in characters) of the first character.
    pub column: u32,
}

impl<'a> Token<'a> {
    /// True when this is the operator or punctuator `op`.
    pub fn is_op(&self, op: &str) -> bool {
        self.kind == TokenKind::Operator && self.text == op
    }

    /// True when this is the keyword `kw` (e.g. `"let"`, `"#shared"`).
    pub fn is_keyword(&self, kw: &str) -> bool {
        self.kind == TokenKind::Keyword && self.text == kw
    }

    /// True when this is a regular identifier spelled exactly `name`.
    pub fn is_ident(&self, name: &str) -> bool {
        self.kind == TokenKind::Identifier && self.text == name
    }

    /// The name an identifier token stands for: the text of a regular identifier, or the
    /// unescaped content of a quoted identifier (`#"a ""b"""` names `a "b"`). `None` for
    /// other tokens. Rules compare names through this so that `#"Foo.Contents"` and
    /// `Foo.Contents` are the same member.
    pub fn name(&self) -> Option<String> {
        match self.kind {
            TokenKind::Identifier => Some(self.text.to_owned()),
            TokenKind::QuotedIdentifier => self.text.strip_prefix('#').and_then(unquote),
            _ => None,
        }
    }

    /// The value of a text literal, with `""` unescaped (character escapes such as `#(lf)` are
    /// kept as written). `None` for other tokens.
    pub fn text_value(&self) -> Option<String> {
        match self.kind {
            TokenKind::Text => unquote(self.text),
            _ => None,
        }
    }
}

/// Strips the surrounding quotes of `"…"` and undoubles `""`.
fn unquote(s: &str) -> Option<String> {
    let inner = s.strip_prefix('"')?.strip_suffix('"')?;
    Some(inner.replace("\"\"", "\""))
}

/// The keywords of M (spec: "Keywords and predefined identifiers").
const KEYWORDS: &[&str] = &[
    "and",
    "as",
    "each",
    "else",
    "error",
    "false",
    "if",
    "in",
    "is",
    "let",
    "meta",
    "not",
    "null",
    "or",
    "otherwise",
    "section",
    "shared",
    "then",
    "true",
    "try",
    "type",
];

/// The `#` keywords of M.
const HASH_KEYWORDS: &[&str] = &[
    "#binary",
    "#date",
    "#datetime",
    "#datetimezone",
    "#duration",
    "#infinity",
    "#nan",
    "#sections",
    "#shared",
    "#table",
    "#time",
];

/// Operators and punctuators, longest first so that `...` wins over `..`.
const OPERATORS: &[&str] = &[
    "...", "..", "=>", "??", "<>", "<=", ">=", "=", "<", ">", "+", "-", "*", "/", "&", "(", ")",
    "[", "]", "{", "}", ",", ";", "@", "!", "?",
];

/// A position in the source, advanced one character at a time so that line and column
/// bookkeeping lives in one place.
struct Cursor<'a> {
    src: &'a str,
    pos: usize,
    line: u32,
    column: u32,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_nth(&self, n: usize) -> Option<char> {
        self.rest().chars().nth(n)
    }

    /// Advances over one character, counting `\r\n` as one line break.
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        let crlf = c == '\r' && self.peek() == Some('\n');
        if is_line_break(c) && !crlf {
            self.line = self.line.saturating_add(1);
            self.column = 1;
        } else if !crlf {
            self.column = self.column.saturating_add(1);
        }
        Some(c)
    }

    fn bump_while(&mut self, f: impl Fn(char) -> bool) {
        while self.peek().is_some_and(&f) {
            self.bump();
        }
    }

    /// Advances over an ASCII string known to be next in the input.
    fn bump_str(&mut self, s: &str) {
        for _ in s.chars() {
            self.bump();
        }
    }
}

/// Line terminators of the M spec: CR, LF, NEL, LS, PS.
fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_part(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Splits `src` into tokens, comments included (see [`TokenKind::Comment`]).
///
/// Whitespace is skipped. The result covers the whole input: nothing outside whitespace is
/// dropped, and malformed pieces come back as [`TokenKind::Error`] tokens.
pub fn tokenize(src: &str) -> Vec<Token<'_>> {
    let mut cur = Cursor {
        src,
        pos: 0,
        line: 1,
        column: 1,
    };
    let mut tokens = Vec::new();
    loop {
        cur.bump_while(char::is_whitespace);
        let Some(c) = cur.peek() else { break };
        let (start, line, column) = (cur.pos, cur.line, cur.column);
        let kind = lex_one(&mut cur, c);
        let text = src.get(start..cur.pos).unwrap_or("");
        tokens.push(Token {
            kind,
            text,
            line,
            column,
        });
    }
    tokens
}

/// Tokenizes `src` and drops comments: the view rules work on.
pub fn significant_tokens(src: &str) -> Vec<Token<'_>> {
    let mut tokens = tokenize(src);
    tokens.retain(|t| t.kind != TokenKind::Comment);
    tokens
}

/// Reads one token starting with `c` (which is not whitespace) and returns its kind.
fn lex_one(cur: &mut Cursor<'_>, c: char) -> TokenKind {
    let next = cur.peek_nth(1);
    match c {
        '/' if next == Some('/') => {
            cur.bump_while(|c| !is_line_break(c));
            TokenKind::Comment
        }
        '/' if next == Some('*') => lex_block_comment(cur),
        '"' => lex_quoted(cur, TokenKind::Text, LexError::UnterminatedText),
        '#' if next == Some('"') => {
            cur.bump();
            lex_quoted(
                cur,
                TokenKind::QuotedIdentifier,
                LexError::UnterminatedQuotedIdentifier,
            )
        }
        '#' => lex_hash_keyword(cur),
        '0'..='9' => lex_number(cur),
        '.' if next.is_some_and(|n| n.is_ascii_digit()) => lex_number(cur),
        c if is_ident_start(c) => lex_identifier(cur),
        _ => lex_operator(cur),
    }
}

fn lex_block_comment(cur: &mut Cursor<'_>) -> TokenKind {
    cur.bump_str("/*");
    loop {
        if cur.rest().starts_with("*/") {
            cur.bump_str("*/");
            return TokenKind::Comment;
        }
        if cur.bump().is_none() {
            return TokenKind::Error(LexError::UnterminatedComment);
        }
    }
}

/// Reads `"…"` where `""` stands for one quote; the cursor is on the opening quote.
fn lex_quoted(cur: &mut Cursor<'_>, kind: TokenKind, unterminated: LexError) -> TokenKind {
    cur.bump();
    loop {
        match cur.bump() {
            None => return TokenKind::Error(unterminated),
            Some('"') if cur.peek() == Some('"') => {
                cur.bump();
            }
            Some('"') => return kind,
            Some(_) => {}
        }
    }
}

fn lex_hash_keyword(cur: &mut Cursor<'_>) -> TokenKind {
    let rest = cur.rest();
    let len = 1 + rest
        .get(1..)
        .unwrap_or("")
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .count();
    let word = rest.get(..len).unwrap_or("");
    if HASH_KEYWORDS.contains(&word) {
        cur.bump_str(word);
        TokenKind::Keyword
    } else {
        // Only the `#` is wrong; what follows is tokenized on its own.
        cur.bump();
        TokenKind::Error(LexError::UnexpectedCharacter)
    }
}

fn lex_number(cur: &mut Cursor<'_>) -> TokenKind {
    let hex_prefix = cur.peek() == Some('0')
        && matches!(cur.peek_nth(1), Some('x' | 'X'))
        && cur.peek_nth(2).is_some_and(|c| c.is_ascii_hexdigit());
    if hex_prefix {
        cur.bump_str("0x");
        cur.bump_while(|c| c.is_ascii_hexdigit());
        return TokenKind::Number;
    }
    cur.bump_while(|c| c.is_ascii_digit());
    if cur.peek() == Some('.') && cur.peek_nth(1).is_some_and(|c| c.is_ascii_digit()) {
        cur.bump();
        cur.bump_while(|c| c.is_ascii_digit());
    }
    if matches!(cur.peek(), Some('e' | 'E')) {
        let digit_at = if matches!(cur.peek_nth(1), Some('+' | '-')) {
            2
        } else {
            1
        };
        if cur.peek_nth(digit_at).is_some_and(|c| c.is_ascii_digit()) {
            for _ in 0..digit_at {
                cur.bump();
            }
            cur.bump_while(|c| c.is_ascii_digit());
        }
    }
    TokenKind::Number
}

/// Reads a regular identifier: `available-identifier ( "." available-identifier )*`.
fn lex_identifier(cur: &mut Cursor<'_>) -> TokenKind {
    let start = cur.pos;
    loop {
        cur.bump_while(is_ident_part);
        if cur.peek() == Some('.') && cur.peek_nth(1).is_some_and(is_ident_start) {
            cur.bump();
        } else {
            break;
        }
    }
    let word = cur.src.get(start..cur.pos).unwrap_or("");
    if KEYWORDS.contains(&word) {
        TokenKind::Keyword
    } else {
        TokenKind::Identifier
    }
}

fn lex_operator(cur: &mut Cursor<'_>) -> TokenKind {
    if let Some(op) = OPERATORS.iter().find(|op| cur.rest().starts_with(**op)) {
        cur.bump_str(op);
        TokenKind::Operator
    } else {
        cur.bump();
        TokenKind::Error(LexError::UnexpectedCharacter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokenKind, &str)> {
        tokenize(src)
            .into_iter()
            .map(|t| (t.kind, t.text))
            .collect()
    }

    #[test]
    fn quoted_identifier_with_doubled_quotes_is_one_token() {
        let toks = tokenize(r#"#"a ""b""" = 1"#);
        assert_eq!(toks[0].kind, TokenKind::QuotedIdentifier);
        assert_eq!(toks[0].text, r#"#"a ""b""""#);
        assert_eq!(toks[0].name().as_deref(), Some(r#"a "b""#));
        assert!(toks[1].is_op("="));
    }

    #[test]
    fn dotted_names_are_one_identifier() {
        let toks = tokenize("Extension.CurrentCredential()[Key]");
        assert!(toks[0].is_ident("Extension.CurrentCredential"));
        assert!(toks[1].is_op("("));
        assert!(toks[4].is_ident("Key"));
    }

    #[test]
    fn hash_keywords_and_plain_keywords() {
        let k = kinds("#date(2020, 1, 1) #shared let x in meta #nope");
        assert_eq!(k[0], (TokenKind::Keyword, "#date"));
        assert!(k.contains(&(TokenKind::Keyword, "#shared")));
        assert!(k.contains(&(TokenKind::Keyword, "let")));
        assert!(k.contains(&(TokenKind::Keyword, "meta")));
        assert!(k.contains(&(TokenKind::Error(LexError::UnexpectedCharacter), "#")));
        assert!(k.contains(&(TokenKind::Identifier, "nope")));
    }

    #[test]
    fn comment_markers_inside_text_stay_text() {
        let k = kinds(r#"x = "http://a/*b*/ ""q"" // c" // real"#);
        assert_eq!(k[2], (TokenKind::Text, r#""http://a/*b*/ ""q"" // c""#));
        assert_eq!(k[3], (TokenKind::Comment, "// real"));
        assert_eq!(k.len(), 4);
    }

    #[test]
    fn unterminated_pieces_become_error_tokens() {
        assert_eq!(
            kinds("a \"abc")[1].0,
            TokenKind::Error(LexError::UnterminatedText)
        );
        assert_eq!(
            kinds("a /* abc")[1].0,
            TokenKind::Error(LexError::UnterminatedComment)
        );
        assert_eq!(
            kinds("#\"abc")[0].0,
            TokenKind::Error(LexError::UnterminatedQuotedIdentifier)
        );
        assert_eq!(
            kinds("$")[0].0,
            TokenKind::Error(LexError::UnexpectedCharacter)
        );
    }

    #[test]
    fn numbers() {
        for n in ["1", "1e3", "0x1F", ".5", "1.25", "2E-4"] {
            assert_eq!(kinds(n), vec![(TokenKind::Number, n)], "{n}");
        }
        assert_eq!(
            kinds("{1..5}"),
            vec![
                (TokenKind::Operator, "{"),
                (TokenKind::Number, "1"),
                (TokenKind::Operator, ".."),
                (TokenKind::Number, "5"),
                (TokenKind::Operator, "}"),
            ]
        );
    }

    #[test]
    fn multi_character_operators() {
        let ops: Vec<_> = kinds("=> .. ... ?? <> >= <= = @")
            .into_iter()
            .map(|k| k.1)
            .collect();
        assert_eq!(ops, ["=>", "..", "...", "??", "<>", ">=", "<=", "=", "@"]);
    }

    #[test]
    fn records_and_meta() {
        let k = kinds(r#"type text meta [Documentation.FieldCaption = "M"]"#);
        assert_eq!(k[2], (TokenKind::Keyword, "meta"));
        assert_eq!(k[3], (TokenKind::Operator, "["));
        assert_eq!(k[4], (TokenKind::Identifier, "Documentation.FieldCaption"));
        assert_eq!(k[7], (TokenKind::Operator, "]"));
    }

    #[test]
    fn positions_count_characters_and_line_breaks() {
        let toks = tokenize("a\r\n  \"é\" b\n/* x\n y */ c");
        assert_eq!((toks[0].line, toks[0].column), (1, 1));
        assert_eq!((toks[1].line, toks[1].column), (2, 3));
        assert_eq!((toks[2].line, toks[2].column), (2, 7));
        assert_eq!((toks[3].line, toks[3].column), (3, 1));
        assert_eq!((toks[4].line, toks[4].column), (4, 7));
    }

    #[test]
    fn survives_arbitrary_bytes() {
        let mut state = 0x1234_5678_u32;
        for len in 0..400 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    const ALPHABET: &[u8] = b"\"#/*.0xe\r\n ab=>?[\xFF\xC3";
                    ALPHABET
                        .get(state as usize % ALPHABET.len())
                        .copied()
                        .unwrap_or(b' ')
                })
                .collect();
            let text = String::from_utf8_lossy(&bytes);
            let toks = tokenize(&text);
            let joined: usize = toks.iter().map(|t| t.text.len()).sum();
            assert!(joined <= text.len());
        }
    }
}
