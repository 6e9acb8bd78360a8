//! The generated LALR parser and the conversion of its errors into diagnostics.
//!
//! [`parse`] runs the whole front end over one file: it lexes the text, records every
//! `#line` directive in the [`SourceFile`](crate::source::SourceFile), drops directives and
//! comments from the token stream, checks the nesting depth, parses, and checks the
//! statement order (see [`super::order`]). It never stops at the first error: the grammar
//! recovers at statement level, so one run reports every syntax error it can find.

use super::ast;
use super::lexer::{self, LexError, Token};
use super::order;
use crate::diag::Diagnostic;
use crate::source::{FileId, SourceMap, Span};
use lalrpop_util::{ErrorRecovery, ParseError};

#[allow(clippy::all, unused_parens, missing_docs, unused_imports)]
mod generated {
    lalrpop_util::lalrpop_mod!(pub policy, "/policy.rs");
}

/// How deep `{` and `(` may nest. Deeper input is rejected before parsing so that nothing
/// recursive (the tree's `Drop`, the printer, later passes) can overflow the stack.
pub const MAX_NESTING: usize = 256;

/// How many expression operators one statement may hold; a chain of `&&` or `!` builds a
/// tree as deep as it is long, so this bounds expression depth the way [`MAX_NESTING`]
/// bounds block depth.
pub const MAX_OPERATORS: usize = 512;

/// One statement as the grammar returns it, before the order check.
#[derive(Debug)]
pub(crate) enum Stmt {
    /// A statement.
    Item(ast::Item),
    /// An empty statement `;` (allowed where type and role statements are).
    Empty(Span),
    /// Text skipped by error recovery; its error is in the recovery list.
    Error,
}

type Recovered<'a> = ErrorRecovery<usize, Token<'a>, LexError>;

/// Grammar helper: keeps a recovered error and stands in for the skipped statement.
pub(crate) fn record<'a>(errors: &mut Vec<Recovered<'a>>, error: Recovered<'a>) -> Stmt {
    errors.push(error);
    Stmt::Error
}

/// Grammar helper: the statements of a block, without empty and skipped ones.
pub(crate) fn block_items(stmts: Vec<Stmt>) -> Vec<ast::Item> {
    stmts
        .into_iter()
        .filter_map(|s| match s {
            Stmt::Item(i) => Some(i),
            Stmt::Empty(_) | Stmt::Error => None,
        })
        .collect()
}

/// Parses one policy.conf file of `map` into its syntax tree, with every problem found.
///
/// `#line` directives in the text are recorded in the file (so diagnostics can name the
/// original `.te` lines) and otherwise ignored. The tree holds every statement that parsed;
/// when the input has errors it may be incomplete (empty when nesting is too deep or the
/// text ends inside a block), so later stages should run only on error-free results.
///
/// ```
/// use flaskc::source::{SourceFile, SourceMap};
/// let mut map = SourceMap::new();
/// let file = map.add(SourceFile::new("policy.conf", "class file\nsid kernel\n"));
/// let (policy, diags) = flaskc::syntax::parse(&mut map, file);
/// assert_eq!(policy.items.len(), 2);
/// assert!(!diags.is_empty()); // the access vectors, types, users ... are missing
/// ```
pub fn parse(map: &mut SourceMap, file: FileId) -> (ast::Policy, Vec<Diagnostic>) {
    let text = map.file(file).text.clone();
    let lexed = lex(&text, file);
    for &(offset, line, ref name) in &lexed.directives {
        map.file_mut(file)
            .add_directive(offset, line, name.as_deref());
    }
    let mut diags = lexed.diags;
    if let Some(d) = lexed.too_deep {
        diags.push(d);
        return (ast::Policy::default(), diags);
    }
    let mut recovered = Vec::new();
    let result = generated::policy::PolicyParser::new().parse(
        &mut recovered,
        lexed.tokens.into_iter().map(Ok::<_, LexError>),
    );
    let n_syntax = recovered.len() + usize::from(result.is_err());
    let ctx = ErrorCtx {
        file,
        text: &text,
        unclosed: lexed.unclosed,
    };
    let mut syntax: Vec<(u32, Diagnostic)> = recovered
        .into_iter()
        .map(|e| ctx.convert(e.error))
        .collect();
    let stmts = match result {
        Ok(stmts) => stmts,
        Err(e) => {
            syntax.push(ctx.convert(e));
            Vec::new()
        }
    };
    syntax.sort_by_key(|(at, _)| *at);
    diags.extend(syntax.into_iter().map(|(_, d)| d));
    diags.extend(order::check(&stmts, file, &text, n_syntax > 0));
    let items = block_items(stmts);
    (ast::Policy { items }, diags)
}

/// The token stream and what the lexing pass found on the way.
struct Lexed<'a> {
    tokens: Vec<(usize, Token<'a>, usize)>,
    directives: Vec<(usize, u32, Option<String>)>,
    diags: Vec<Diagnostic>,
    /// Where the `{` and `(` still open at the end were written.
    unclosed: Vec<(usize, char)>,
    too_deep: Option<Diagnostic>,
}

fn is_operator(t: &Token) -> bool {
    matches!(
        t,
        Token::Bang
            | Token::Not
            | Token::AndAnd
            | Token::And
            | Token::OrOr
            | Token::Or
            | Token::Caret
            | Token::Xor
            | Token::EqEq
            | Token::Equals
            | Token::NotEq
    )
}

fn lex(text: &str, file: FileId) -> Lexed<'_> {
    let mut out = Lexed {
        tokens: Vec::new(),
        directives: Vec::new(),
        diags: Vec::new(),
        unclosed: Vec::new(),
        too_deep: None,
    };
    let mut bad: Option<Span> = None;
    let mut operators = 0usize;
    for t in lexer::tokens(text) {
        let (l, tok, r) = match t {
            Ok(t) => t,
            Err(LexError { span }) => {
                bad = Some(match bad {
                    Some(b) if b.end == span.start => b.to(span),
                    Some(b) => {
                        out.diags.push(unrecognized(file, text, b));
                        span
                    }
                    None => span,
                });
                continue;
            }
        };
        if let Some(b) = bad.take() {
            out.diags.push(unrecognized(file, text, b));
        }
        match tok {
            Token::LineDirective(d) => {
                if let Some((line, name)) = lexer::parse_line_directive(d) {
                    out.directives.push((l, line, name.map(str::to_string)));
                }
                continue;
            }
            Token::LBrace | Token::LParen => {
                out.unclosed
                    .push((l, if tok == Token::LBrace { '{' } else { '(' }));
                if out.unclosed.len() > MAX_NESTING && out.too_deep.is_none() {
                    out.too_deep = Some(
                        Diagnostic::error(
                            "nesting-too-deep",
                            format!("blocks and parentheses nest more than {MAX_NESTING} deep"),
                        )
                        .primary(file, Span::new(l, r), "this one is too deep")
                        .note("flaskc rejects deeper nesting to keep its stack bounded"),
                    );
                }
            }
            Token::RBrace | Token::RParen => {
                out.unclosed.pop();
            }
            _ => {}
        }
        if matches!(tok, Token::Semi | Token::LBrace | Token::RBrace) {
            operators = 0;
        } else if is_operator(&tok) {
            operators += 1;
            if operators > MAX_OPERATORS && out.too_deep.is_none() {
                out.too_deep = Some(
                    Diagnostic::error("nesting-too-deep", format!("expression has more than {MAX_OPERATORS} operators"))
                        .primary(file, Span::new(l, r), "one too many")
                        .note("split the statement; flaskc limits expression size to keep its stack bounded"),
                );
            }
        }
        out.tokens.push((l, tok, r));
    }
    if let Some(b) = bad {
        out.diags.push(unrecognized(file, text, b));
    }
    out
}

fn unrecognized(file: FileId, text: &str, span: Span) -> Diagnostic {
    let shown = text.get(span.range()).unwrap_or("?");
    Diagnostic::error(
        "unrecognized-character",
        format!("unrecognized character `{shown}`"),
    )
    .primary(file, span, "no token starts with this")
}

/// What the conversion of a parse error needs to know.
struct ErrorCtx<'a> {
    file: FileId,
    text: &'a str,
    unclosed: Vec<(usize, char)>,
}

impl ErrorCtx<'_> {
    /// Converts one parse error into a diagnostic, with the offset it is reported at.
    fn convert(&self, e: ParseError<usize, Token<'_>, LexError>) -> (u32, Diagnostic) {
        match e {
            ParseError::UnrecognizedToken {
                token: (l, tok, r),
                expected,
            } => {
                let span = Span::new(l, r);
                let mut d =
                    Diagnostic::error("syntax-error", format!("unexpected {}", tok.describe()))
                        .primary(self.file, span, label_for(&expected));
                if let Some(hint) = hint_for(&tok, &expected) {
                    d = d.note(hint);
                }
                (span.start, with_expected(d, &expected))
            }
            ParseError::UnrecognizedEof { expected, .. } => {
                let end = self.text.len();
                let mut d = Diagnostic::error("syntax-error", "unexpected end of file").primary(
                    self.file,
                    Span::new(end, end),
                    label_for(&expected),
                );
                if let Some(&(at, c)) = self.unclosed.last() {
                    d = d.secondary(
                        self.file,
                        Span::new(at, at + 1),
                        format!("this `{c}` is never closed"),
                    );
                }
                (end as u32, with_expected(d, &expected))
            }
            ParseError::ExtraToken { token: (l, tok, r) } => {
                let span = Span::new(l, r);
                let d = Diagnostic::error("syntax-error", format!("unexpected {}", tok.describe()))
                    .primary(self.file, span, "expected the end of the file");
                (span.start, d)
            }
            ParseError::InvalidToken { location } => {
                let span = Span::new(location, location);
                (
                    span.start,
                    Diagnostic::error("syntax-error", "invalid token").primary(self.file, span, ""),
                )
            }
            ParseError::User { error } => (
                error.span.start,
                unrecognized(self.file, self.text, error.span),
            ),
        }
    }
}

/// The short label under the offending token.
fn label_for(expected: &[String]) -> String {
    match expected {
        [one] => format!("expected {}", friendly(one)),
        [a, b] => format!("expected {} or {}", friendly(a), friendly(b)),
        _ => "unexpected here".to_string(),
    }
}

/// A hint for tokens that look like what was expected but are not (`12x` for a number).
fn hint_for(tok: &Token, expected: &[String]) -> Option<String> {
    let wants = |name: &str| expected.iter().any(|e| e == name);
    match tok {
        Token::Filesystem(s) | Token::Version(s) if wants("NUMBER") => Some(format!(
            "`{s}` is not a number: numbers are decimal or `0x` hexadecimal"
        )),
        Token::Identifier(s) if wants("\"allow\"") => {
            Some(format!("`{s}` is not a statement keyword"))
        }
        Token::Ipv4(s) | Token::Ipv6(s) if wants("IPV4") || wants("IPV6") => Some(format!(
            "`{s}` cannot be used here: both addresses of a `nodecon` must be IPv4 or both IPv6"
        )),
        _ => None,
    }
}

/// Adds the "expected ..." note unless the label already says it all.
fn with_expected(d: Diagnostic, expected: &[String]) -> Diagnostic {
    if expected.len() <= 2 {
        d
    } else if expected.len() > MAX_LISTED && expected.iter().any(|e| e == "\"allow\"") {
        d.note("expected a statement (`type`, `allow`, `role`, ...)")
    } else {
        d.note(expected_note(expected))
    }
}

/// How many expected tokens to list before summarising the rest.
const MAX_LISTED: usize = 8;

/// The "expected one of ..." note, with friendly names and token classes first.
fn expected_note(expected: &[String]) -> String {
    let mut names: Vec<&String> = expected.iter().collect();
    // Punctuation and token classes read better before the long keyword tail.
    names.sort_by_key(|n| {
        n.trim_matches('"')
            .starts_with(|c: char| c.is_ascii_lowercase())
    });
    let shown: Vec<String> = names.iter().take(MAX_LISTED).map(|n| friendly(n)).collect();
    let rest = names.len().saturating_sub(MAX_LISTED);
    match (shown.len(), rest) {
        (0, _) => "nothing more was expected here".to_string(),
        (1, _) => format!("expected {}", shown[0]),
        (_, 0) => format!("expected one of {}", shown.join(", ")),
        _ => format!("expected one of {} or {rest} more", shown.join(", ")),
    }
}

/// A grammar terminal name as users should read it.
fn friendly(name: &str) -> String {
    match name {
        "IDENT" => "an identifier".to_string(),
        "NUMBER" => "a number".to_string(),
        "FILESYSTEM" => "a file system name".to_string(),
        "IPV4" => "an IPv4 address".to_string(),
        "IPV6" => "an IPv6 address".to_string(),
        "PATH" => "a path".to_string(),
        "QPATH" => "a quoted path".to_string(),
        "FILENAME" => "a quoted file name".to_string(),
        other => format!("`{}`", other.trim_matches('"')),
    }
}
