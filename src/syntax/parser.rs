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
use std::collections::{HashMap, HashSet};

#[allow(clippy::all, unused_parens, missing_docs, unused_imports)]
mod generated {
    lalrpop_util::lalrpop_mod!(pub policy, "/policy.rs");
}

/// How deep `{` and `(` may nest. Deeper input is rejected before parsing so that nothing
/// recursive (the tree's `Drop`, the printer, later passes) can overflow the stack.
pub const MAX_NESTING: usize = 256;

/// How many expression operators may come between two `;` (or `if` keywords); a chain of
/// `&&` or `!` builds a tree as deep as it is long, so this bounds expression depth the
/// way [`MAX_NESTING`] bounds block depth. Braces do not reset the count, since a
/// constraint may hold `t1 == { a }` many times over.
pub const MAX_OPERATORS: usize = 512;

/// One statement as the grammar returns it, before the order check.
#[derive(Debug)]
pub(crate) enum Stmt {
    /// A statement.
    Item(Box<ast::Item>),
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

/// Grammar helper: the statements of an `optional` block, without skipped ones. Empty
/// statements stay, since the block's order check counts them.
pub(crate) fn block_items(stmts: Vec<Stmt>) -> ast::Items {
    collect_items(stmts, true)
}

/// The top-level statements, without skipped and empty ones (the order check has seen
/// those already).
fn top_level_items(stmts: Vec<Stmt>) -> ast::Items {
    collect_items(stmts, false)
}

fn collect_items(stmts: Vec<Stmt>, keep_empty: bool) -> ast::Items {
    let kept = |s: &Stmt| match s {
        Stmt::Item(_) => true,
        Stmt::Empty(_) => keep_empty,
        Stmt::Error => false,
    };
    // At exactly their number: a large policy's statements are a good part of its tree.
    let mut items = Vec::with_capacity(stmts.iter().filter(|s| kept(s)).count());
    items.extend(stmts.into_iter().filter(kept).filter_map(|s| match s {
        Stmt::Item(i) => Some(i),
        Stmt::Empty(span) => Some(
            ast::Item::boxed(ast::ItemKind::Empty).spanned(span.start as usize, span.end as usize),
        ),
        Stmt::Error => None,
    }));
    items
}

/// Parses one policy.conf file of `map` into its syntax tree, with every problem found.
///
/// `#line` directives in the text are recorded in the file (so diagnostics can name the
/// original `.te` lines) and otherwise ignored. When there is no error and the file can be
/// read again, its text is dropped from the map once the tree is built (see
/// [`SourceFile::release_text`](crate::source::SourceFile::release_text)). The tree holds every statement that parsed;
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
    // A first lexing pass finds directives, brackets and lexical errors; the parser then
    // lexes again as it goes, so that no token list of the whole file is ever held.
    let (text, mut directives) = map.file_mut(file).directive_recorder();
    let lexed = lex(
        text,
        file,
        &mut |at, line, name| directives.add(at, line, name),
        SPLIT_FROM,
    );
    directives.finish();
    let text: &str = map.file(file).text();
    let mut diags = lexed.diags;
    if let Some(d) = lexed.too_deep {
        diags.push(d);
        return (ast::Policy::default(), diags);
    }
    // Large error-free files parse on two threads, split at a statement boundary; anything
    // else (or an error in either half) parses in one pass, so diagnostics never change.
    if let Some(stmts) = lexed.split.and_then(|at| parse_halves(text, at)) {
        diags.extend(order::check(&stmts, file, text, false, &HashSet::new()));
        release_if_clean(map, file, &diags);
        return (
            ast::Policy {
                items: top_level_items(stmts),
            },
            diags,
        );
    }
    let mut recovered = Vec::new();
    let result =
        generated::policy::PolicyParser::new().parse(&mut recovered, statement_tokens(text, 0));
    let n_syntax = recovered.len() + usize::from(result.is_err());
    let ctx = ErrorCtx {
        file,
        text,
        unclosed: lexed.unclosed,
        closers: &lexed.closers,
    };
    // Brackets opened in text that recovery skipped: an error at their closing bracket is
    // only an echo of the first error, so it is not reported.
    let skipped_openers: HashSet<usize> = recovered
        .iter()
        .flat_map(|e| &e.dropped_tokens)
        .filter(|(_, t, _)| matches!(t, Token::LBrace | Token::LParen))
        .map(|&(l, _, _)| l)
        .collect();
    let is_echo = |e: &ParseError<usize, Token<'_>, LexError>| match e {
        ParseError::UnrecognizedToken {
            token: (l, Token::RBrace | Token::RParen, _),
            ..
        } => lexed
            .closers
            .get(l)
            .is_some_and(|open| skipped_openers.contains(open)),
        _ => false,
    };
    let mut syntax: Vec<(u32, Diagnostic)> = Vec::new();
    for e in recovered {
        if !is_echo(&e.error) {
            syntax.push(ctx.convert(e.error));
        }
    }
    let stmts = match result {
        Ok(stmts) => stmts,
        Err(e) => {
            syntax.push(ctx.convert(e));
            Vec::new()
        }
    };
    syntax.sort_by_key(|(at, _)| *at);
    let error_at: HashSet<u32> = syntax.iter().map(|(at, _)| *at).collect();
    diags.extend(syntax.into_iter().map(|(_, d)| d));
    diags.extend(order::check(&stmts, file, text, n_syntax > 0, &error_at));
    release_if_clean(map, file, &diags);
    let items = top_level_items(stmts);
    (ast::Policy { items }, diags)
}

/// Once a file has parsed without errors, its tree holds all that later stages need: a
/// text that can be read again ([`crate::source::SourceFile::rereadable`]) is dropped
/// before the statements are gathered into the tree, so that the two are never held
/// together, and read again only to show a diagnostic.
fn release_if_clean(map: &mut SourceMap, file: FileId, diags: &[Diagnostic]) {
    if !diags.iter().any(Diagnostic::is_error) {
        map.file_mut(file).release_text();
    }
}

/// The tokens the grammar sees of `text`, a piece of the file starting at byte `offset`:
/// directives and lexical errors (reported by the lexing pass) left out.
fn statement_tokens(
    text: &str,
    offset: usize,
) -> impl Iterator<Item = Result<(usize, Token<'_>, usize), LexError>> {
    lexer::tokens(text).filter_map(move |t| match t {
        Ok((_, Token::LineDirective(_), _)) | Err(_) => None,
        Ok((l, t, r)) => Some(Ok((l + offset, t, r + offset))),
    })
}

/// The statements of `text[..at]` and `text[at..]` parsed on two threads, or `None` when
/// either half has a syntax error (the caller then parses the whole text in one pass, so
/// that diagnostics are those of one pass). `at` must follow a top-level `;`.
fn parse_halves(text: &str, at: usize) -> Option<Vec<Stmt>> {
    let (head, tail) = text.split_at(at);
    let (first, second) =
        crate::parallel::join(true, || parse_clean(head, 0), || parse_clean(tail, at));
    let mut stmts = first?;
    stmts.extend(second?);
    Some(stmts)
}

/// The statements of `piece`, a part of the file starting at byte `offset` after a
/// top-level `;`, or `None` when it has a syntax error.
fn parse_clean(piece: &str, offset: usize) -> Option<Vec<Stmt>> {
    let mut recovered = Vec::new();
    let parser = generated::policy::PolicyParser::new();
    match parser.parse(&mut recovered, statement_tokens(piece, offset)) {
        Ok(stmts) if recovered.is_empty() => Some(stmts),
        _ => None,
    }
}

/// Parses a policy.conf that comes as consecutive pieces of its text, each ending at a
/// line end (as [`crate::io::TextPieces`] reads a large file), without ever holding the
/// whole text: each stretch of whole statements is lexed, parsed (on this thread or a
/// second one) and dropped, so that text and tree are never held together. The file in
/// `map` is [`SourceFile::unread`](crate::source::SourceFile::unread): its text is read
/// again only for a diagnostic.
///
/// `None` when a piece could not be read (a `None` item) or the text has any lexical,
/// syntax or order mistake: the caller then reads the text whole and calls [`parse`], so
/// that diagnostics are always those of one pass over the whole file.
pub fn parse_pieces(
    map: &mut SourceMap,
    file: FileId,
    pieces: impl Iterator<Item = Option<String>>,
) -> Option<(ast::Policy, Vec<Diagnostic>)> {
    use std::sync::mpsc::{sync_channel, TrySendError};
    let source = map.file_mut(file);
    let mut parsed: Vec<(usize, Vec<Stmt>)> = Vec::new();
    let theirs = std::thread::scope(|scope| {
        // One stretch waits for the second thread; when it is busy, this thread parses.
        let (send, recv) = sync_channel::<(usize, String, usize)>(1);
        let worker = scope.spawn(move || {
            let mut out = Vec::new();
            for (index, text, base) in recv {
                out.push((index, parse_clean(&text, base)?));
            }
            Some(out)
        });
        let read = statement_stretches(source, file, pieces, |index, text, base| {
            match send.try_send((index, text, base)) {
                Ok(()) => true,
                Err(TrySendError::Full((index, text, base))) => parse_clean(&text, base)
                    .map(|stmts| parsed.push((index, stmts)))
                    .is_some(),
                Err(TrySendError::Disconnected(_)) => false,
            }
        });
        drop(send);
        let theirs = (worker.join()).unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        theirs.filter(|_| read)
    })?;
    parsed.extend(theirs);
    parsed.sort_unstable_by_key(|&(index, _)| index);
    let stmts: Vec<Stmt> = parsed.into_iter().flat_map(|(_, stmts)| stmts).collect();
    // Without a mistake, the order check needs no text.
    if !order::check(&stmts, file, "", false, &HashSet::new()).is_empty() {
        return None;
    }
    let items = top_level_items(stmts);
    Some((ast::Policy { items }, Vec::new()))
}

/// Joins `pieces` into stretches of whole top-level statements, records their `#line`
/// directives in `source`, and gives each stretch to `parse` with its index and its
/// offset in the file. Whether every piece was read, lexed without a mistake, and parsed
/// (`parse` gives `false` for a syntax error).
fn statement_stretches(
    source: &mut crate::source::SourceFile,
    file: FileId,
    pieces: impl Iterator<Item = Option<String>>,
    mut parse: impl FnMut(usize, String, usize) -> bool,
) -> bool {
    // `carry` holds the text from byte `base` (on 0-based line `line`) not parsed yet.
    let (mut carry, mut base, mut line) = (String::new(), 0usize, 0u32);
    let mut pieces = pieces.fuse();
    for index in 0.. {
        let end = match pieces.next() {
            Some(Some(piece)) => {
                carry.push_str(&piece);
                false
            }
            Some(None) => return false,
            None => true,
        };
        let mut found = Vec::new();
        let lexed = lex(
            &carry,
            file,
            &mut |at, l, name| found.push((at, l, name)),
            usize::MAX,
        );
        if !lexed.diags.is_empty() || lexed.too_deep.is_some() {
            return false;
        }
        let split = match lexed.last_split {
            _ if end => carry.len(),
            Some(at) => at,
            // A statement longer than a few pieces is not worth lexing again and again.
            None if carry.len() > MAX_CARRY => return false,
            None => continue,
        };
        let mut directives = source.piece_recorder(&carry, base, line);
        for &(at, l, name) in found.iter().take_while(|d| d.0 < split) {
            directives.add(base + at, l, name);
        }
        let rest = carry.split_off(split);
        let stretch = std::mem::replace(&mut carry, rest);
        line += stretch.bytes().filter(|&b| b == b'\n').count() as u32;
        let offset = base;
        base += stretch.len();
        if !parse(index, stretch, offset) {
            return false;
        }
        if end {
            break;
        }
    }
    source.piece_recorder("", base, line).finish();
    true
}

/// The most text [`statement_stretches`] carries without finding a statement's end.
const MAX_CARRY: usize = 16 << 20;

/// Files from this size on are parsed in two halves on two threads (see [`parse_halves`]).
const SPLIT_FROM: usize = 1 << 20;

/// What the lexing pass finds on the way.
struct Lexed {
    diags: Vec<Diagnostic>,
    /// Where the `{` and `(` still open at the end were written.
    unclosed: Vec<(usize, char)>,
    /// For each `}` and `)`, where the bracket it closes was opened.
    closers: HashMap<usize, usize>,
    too_deep: Option<Diagnostic>,
    /// The end of the first top-level `;` in the second half of a file of at least
    /// `split_from` bytes with no lexical error: where it may be parsed in two halves.
    split: Option<usize>,
    /// The end of the last top-level `;`: where a piece of a text read in pieces ends.
    last_split: Option<usize>,
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

/// The lexing pass over `text`: `directive` is given each `#line` directive's offset,
/// line and file name.
fn lex<'t>(
    text: &'t str,
    file: FileId,
    directive: &mut dyn FnMut(usize, u32, Option<&'t str>),
    split_from: usize,
) -> Lexed {
    let mut out = Lexed {
        diags: Vec::new(),
        unclosed: Vec::new(),
        closers: HashMap::new(),
        too_deep: None,
        split: None,
        last_split: None,
    };
    let middle = if text.len() >= split_from {
        text.len() / 2
    } else {
        usize::MAX
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
                    directive(l, line, name);
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
                if let Some((open, _)) = out.unclosed.pop() {
                    out.closers.insert(l, open);
                }
            }
            _ => {}
        }
        if tok == Token::Semi && out.unclosed.is_empty() {
            out.last_split = Some(r);
            if l >= middle && out.split.is_none() {
                out.split = Some(r);
            }
        }
        if matches!(tok, Token::Semi | Token::If) {
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
    }
    if let Some(b) = bad {
        out.diags.push(unrecognized(file, text, b));
    }
    if !out.diags.is_empty() || out.too_deep.is_some() {
        out.split = None;
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
    /// Each closing bracket's offset with its opening bracket's.
    closers: &'a HashMap<usize, usize>,
}

impl ErrorCtx<'_> {
    /// A statement end (`;`) met inside a `{` set that still wants its `}`: the mistake is
    /// the brace left open, so the diagnostic stands where it opened.
    fn unclosed_brace(
        &self,
        at: usize,
        span: Span,
        tok: &Token<'_>,
        expected: &[String],
    ) -> Option<Diagnostic> {
        if *tok != Token::Semi || !expected.iter().any(|e| e == "\"}\"") {
            return None;
        }
        let closed_after = |open: usize| {
            self.closers
                .iter()
                .any(|(&close, &o)| o == open && close > at)
        };
        let open = self
            .text
            .char_indices()
            .take_while(|&(i, _)| i < at)
            .filter(|&(i, c)| {
                c == '{' && (closed_after(i) || self.unclosed.iter().any(|u| u.0 == i))
            })
            .map(|(i, _)| i)
            .last()?;
        Some(
            Diagnostic::error("syntax-error", "unclosed `{`")
                .primary(
                    self.file,
                    Span::new(open, open + 1),
                    "this `{` is not closed",
                )
                .secondary(
                    self.file,
                    span,
                    "the statement ends here, inside the braces",
                )
                .note("each `{` of a set needs its `}` before the `;`"),
        )
    }

    /// Converts one parse error into a diagnostic, with the offset it is reported at.
    fn convert(&self, e: ParseError<usize, Token<'_>, LexError>) -> (u32, Diagnostic) {
        match e {
            ParseError::UnrecognizedToken {
                token: (l, tok, r),
                expected,
            } => {
                let span = Span::new(l, r);
                if let Some(d) = self.unclosed_brace(l, span, &tok, &expected) {
                    return (l as u32, d);
                }
                let mut d =
                    Diagnostic::error("syntax-error", format!("unexpected {}", tok.describe()))
                        .primary(self.file, span, label_for(&expected));
                if let Some(hint) = hint_for(&tok, &expected) {
                    d = d.note(hint);
                }
                if expected.iter().any(|e| e == "\";\"") {
                    if let Some(at) = previous_line_end(self.text, l) {
                        d = d.secondary(
                            self.file,
                            Span::new(at, at + 1),
                            "perhaps a `;` is missing here",
                        );
                    }
                }
                (span.start, with_expected(d, &expected))
            }
            ParseError::UnrecognizedEof { expected, .. } => {
                let end = self.text.len();
                let label = match expected.len() {
                    0..=2 => label_for(&expected),
                    _ => "the file ends here".to_string(),
                };
                let mut d = Diagnostic::error("syntax-error", "unexpected end of file").primary(
                    self.file,
                    Span::new(end, end),
                    label,
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

/// When the token at `offset` starts a line, the offset of the last character of the
/// previous line of code (skipping blank lines and whole-line comments such as `#line`):
/// where a forgotten `;` belongs.
fn previous_line_end(text: &str, offset: usize) -> Option<usize> {
    let before = text.get(..offset)?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    if !before[line_start..].trim().is_empty() {
        return None;
    }
    let mut code = before[..line_start].trim_end();
    loop {
        let last_line = code.rfind('\n').map_or(0, |i| i + 1);
        if !code[last_line..].trim_start().starts_with('#') {
            break;
        }
        code = code[..last_line].trim_end();
    }
    let end = code.len();
    let ch = code.chars().next_back()?;
    Some(end - ch.len_utf8())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use ast::ItemKind as K;

    const HEAD: &str = "class file\nclass process\nsid kernel\ncommon f { read }\nclass file inherits f\nclass process { fork }\n";
    const TAIL: &str = "user u roles r;\nsid kernel u:r:t\n";

    fn run(text: &str) -> (ast::Policy, Vec<Diagnostic>, SourceMap) {
        let mut map = SourceMap::new();
        let file = map.add(SourceFile::new("test.conf", text));
        let (p, d) = parse(&mut map, file);
        (p, d, map)
    }

    /// Parses `body` between a minimal valid head and tail; returns the body's statements.
    fn body(body: &str) -> ast::Items {
        let (p, d, map) = run(&format!("{HEAD}{body}\n{TAIL}"));
        assert!(d.is_empty(), "{}", crate::diag::render(&d, &map));
        let round = print(&p);
        let (again, d2, map2) = run(&round);
        assert!(
            d2.is_empty(),
            "{round}\n{}",
            crate::diag::render(&d2, &map2)
        );
        assert_eq!(
            ast::debug_without_spans(&p),
            ast::debug_without_spans(&again),
            "{round}"
        );
        p.items[6..p.items.len() - 2].to_vec()
    }

    fn one(text: &str) -> K {
        let items = body(text);
        assert_eq!(items.len(), 1, "{items:?}");
        items.into_iter().next().map(|i| i.kind).expect("one item")
    }

    fn errors(text: &str) -> Vec<Diagnostic> {
        let (_, d, _) = run(text);
        d
    }

    use crate::syntax::print;

    fn names(s: &ast::Set) -> Vec<String> {
        s.items
            .iter()
            .map(|i| format!("{}{}", if i.negated() { "-" } else { "" }, i.name().name))
            .collect()
    }

    #[test]
    fn pieces_parse_as_one_pass_does() {
        let rules = "#line 7 \"a.te\"\ntype t;\nallow t t : file { read\n write };\n\
                     if (b) { allow t self : file read; }\n#line 3\n";
        let text = format!("{HEAD}bool b true;\n{}{TAIL}", rules.repeat(40));
        let (whole, d, whole_map) = run(&text);
        assert!(d.is_empty());
        let in_pieces = |text: &str, lines: usize| {
            let mut map = SourceMap::new();
            let again = text.to_string();
            let reread = crate::source::Reread::new(move || Some(again.clone()));
            let file = map.add(SourceFile::unread("test.conf", reread));
            let all: Vec<&str> = text.split_inclusive('\n').collect();
            let pieces = all.chunks(lines).map(|c| Some(c.concat()));
            let parsed = parse_pieces(&mut map, file, pieces);
            (parsed, map)
        };
        for lines in [1, 5, 1000] {
            let (parsed, map) = in_pieces(&text, lines);
            let (tree, diags) = parsed.expect("parsed in pieces");
            assert!(diags.is_empty());
            assert_eq!(tree.items, whole.items, "pieces of {lines} lines");
            let (ours, theirs) = (map.file(FileId(0)), whole_map.file(FileId(0)));
            assert_eq!(ours.directive_count(), theirs.directive_count());
            for i in 0..ours.directive_count() {
                assert_eq!(ours.directive(i), theirs.directive(i));
            }
        }
        // A syntax error, an unreadable piece, or a misplaced statement: one pass then.
        let broken = text.replacen("file read;", "file read", 39);
        assert!(in_pieces(&broken, 5).0.is_none());
        let misplaced = text.replacen("bool b true;", "bool b true;\nclass late", 1);
        assert!(in_pieces(&misplaced, 5).0.is_none());
        let mut map = SourceMap::new();
        let reread = crate::source::Reread::new(|| None);
        let file = map.add(SourceFile::unread("test.conf", reread));
        let pieces = [Some(HEAD.to_string()), None].into_iter();
        assert!(parse_pieces(&mut map, file, pieces).is_none());
    }

    #[test]
    fn two_halves_parse_as_one_pass_does() {
        let rules = "type t;\nallow t t : file { read };\nif (b) { allow t self : file read; }\n";
        let text = format!("{HEAD}bool b true;\n{}{TAIL}", rules.repeat(40));
        let (whole, d, _) = run(&text);
        assert!(d.is_empty());
        let file = FileId(0);
        let at = lex(&text, file, &mut |_, _, _| {}, 0)
            .split
            .expect("a split point");
        assert!(text[..at].ends_with(';') && at >= text.len() / 2);
        let halves = top_level_items(parse_halves(&text, at).expect("both halves parse"));
        assert_eq!(halves, whole.items);
        // A syntax error in either half leaves the parse to one pass.
        let broken = text.replacen("file read;", "file read", 39);
        let at = lex(&broken, file, &mut |_, _, _| {}, 0)
            .split
            .expect("a split point");
        assert!(parse_halves(&broken, at).is_none());
    }

    #[test]
    fn type_statements() {
        match one("type t alias { a b }, x, y;") {
            K::Type {
                name,
                aliases,
                attrs,
            } => {
                assert_eq!(name.name, "t");
                assert_eq!(aliases.len(), 2);
                assert_eq!(attrs.len(), 2);
            }
            k => panic!("{k:?}"),
        }
        assert!(matches!(one("typealias t alias a;"), K::TypeAlias { .. }));
        assert!(
            matches!(one("typeattribute t a, b;"), K::TypeAttribute { attrs, .. } if attrs.len() == 2)
        );
        assert!(
            matches!(one("typebounds p c1, c2;"), K::TypeBounds { types, .. } if types.len() == 2)
        );
        assert!(matches!(one("attribute a;"), K::Attribute(_)));
        assert!(matches!(
            one("expandattribute { a b } false;"),
            K::ExpandAttribute { expand: false, .. }
        ));
        assert!(matches!(one("permissive t;"), K::Permissive(_)));
        assert!(matches!(one("bool b true;"), K::Bool { value: true, .. }));
        assert!(matches!(
            one("tunable b false;"),
            K::Tunable { value: false, .. }
        ));
        assert!(matches!(one("policycap open_perms;"), K::Policycap(_)));
    }

    #[test]
    fn sets_flatten_and_keep_negation() {
        match one("allow { a { b -c } } ~{ d e } : * p - q;") {
            K::AvRule {
                source,
                target,
                classes,
                perms,
                kind,
            } => {
                assert_eq!(kind, ast::AvRuleKind::Allow);
                assert_eq!(names(&source), ["a", "b", "-c"]);
                assert!(target.complement());
                assert!(classes.star());
                assert_eq!(names(&perms), ["p", "-q"]);
            }
            k => panic!("{k:?}"),
        }
        assert!(matches!(
            one("neverallow a self : c p;"),
            K::AvRule {
                kind: ast::AvRuleKind::Neverallow,
                ..
            }
        ));
        assert!(matches!(
            one("auditdeny a b : c p;"),
            K::AvRule {
                kind: ast::AvRuleKind::Auditdeny,
                ..
            }
        ));
    }

    #[test]
    fn xperm_rules() {
        match one("allowxperm a b : c ioctl ~{ 0x1 0x10-0x20 { 3 } };") {
            K::XpermRule {
                perms, operation, ..
            } => {
                assert_eq!(operation.name, "ioctl");
                assert!(perms.complement);
                assert_eq!(perms.items.len(), 3);
                assert_eq!(
                    perms.items[1].high.as_ref().and_then(|h| h.value),
                    Some(0x20)
                );
            }
            k => panic!("{k:?}"),
        }
        assert!(matches!(
            one("neverallowxperm a b : c ioctl 1;"),
            K::XpermRule {
                kind: ast::XpermRuleKind::Neverallow,
                ..
            }
        ));
    }

    #[test]
    fn type_and_role_rules() {
        assert!(
            matches!(one("type_transition a b : c d \"name\";"), K::TypeRule { object_name: Some(n), .. } if n.name == "name")
        );
        assert!(matches!(
            one("type_member a b : c d;"),
            K::TypeRule {
                kind: ast::TypeRuleKind::Member,
                ..
            }
        ));
        assert!(matches!(
            one("type_change a b : c d;"),
            K::TypeRule {
                kind: ast::TypeRuleKind::Change,
                ..
            }
        ));
        assert!(matches!(
            one("role r types { a b };"),
            K::Role { types: Some(_), .. }
        ));
        assert!(
            matches!(one("role r, ra;"), K::Role { types: None, attrs, .. } if attrs.len() == 1)
        );
        assert!(matches!(one("attribute_role ra;"), K::AttributeRole(_)));
        assert!(matches!(
            one("roleattribute r ra, rb;"),
            K::RoleAttribute { .. }
        ));
        assert!(matches!(
            one("role_transition r t n;"),
            K::RoleTransition { classes: None, .. }
        ));
        assert!(matches!(
            one("role_transition r t : c n;"),
            K::RoleTransition {
                classes: Some(_),
                ..
            }
        ));
        assert!(matches!(one("allow ra rb;"), K::RoleAllow { .. }));
        assert!(
            matches!(one("dominance { role a { role b; role c { role d; } } }"), K::RoleDominance(d) if d[0].dominated.len() == 2)
        );
        assert!(
            matches!(one("range_transition a b : c s0 - s1:c0.c3,c5;"), K::RangeTransition { range, .. } if range.high.as_ref().is_some_and(|h| h.cats.len() == 2))
        );
    }

    #[test]
    fn conditional_precedence_follows_checkpolicy() {
        let cond = |text: &str| match one(&format!("if {text} {{ }}")) {
            K::If { cond, .. } => print_cond(&cond),
            k => panic!("{k:?}"),
        };
        assert_eq!(cond("a || b && c"), "(a || (b && c))");
        assert_eq!(cond("a ^ b || c"), "((a ^ b) || c)");
        assert_eq!(cond("!a == b"), "!(a == b)");
        assert_eq!(cond("!a && b"), "(!a && b)");
        assert_eq!(cond("a == !b"), "(a == !b)");
        assert_eq!(cond("not (a or b) xor c eq d"), "(!(a || b) ^ (c == d))");
    }

    fn print_cond(e: &ast::CondExpr) -> String {
        use ast::CondExpr as C;
        let bin = |a: &C, op: &str, b: &C| format!("({} {op} {})", print_cond(a), print_cond(b));
        match e {
            C::Bool(b) => b.name.to_string(),
            C::Not(a) => format!("!{}", print_cond(a)),
            C::And(a, b) => bin(a, "&&", b),
            C::Or(a, b) => bin(a, "||", b),
            C::Xor(a, b) => bin(a, "^", b),
            C::Eq(a, b) => bin(a, "==", b),
            C::Neq(a, b) => bin(a, "!=", b),
        }
    }

    #[test]
    fn if_blocks_take_only_conditional_rules() {
        match one("if b { allow a b : c p; type_transition a b : c d; require { bool b; } } else { dontaudit a b : c p; }") {
            K::If { then_items, else_items, .. } => {
                assert_eq!(then_items.len(), 3);
                assert_eq!(else_items.map(|e| e.len()), Some(1));
            }
            k => panic!("{k:?}"),
        }
        assert!(!errors(&format!("{HEAD}if b {{ neverallow a b : c p; }}\n{TAIL}")).is_empty());
        assert!(!errors(&format!("{HEAD}if b {{ type t; }}\n{TAIL}")).is_empty());
    }

    #[test]
    fn optional_and_require_blocks() {
        match one("optional { require { class c { p q }; type a, b; } allow a b : c p; user v roles r; } else { type x; }") {
            K::Optional { items, else_items } => {
                assert_eq!(items.len(), 3);
                match &items[0].kind {
                    K::Require(decls) => {
                        assert_eq!(decls[0].kind.name, "class");
                        assert_eq!(decls[0].perms.len(), 2);
                        assert_eq!(decls[1].names.len(), 2);
                    }
                    k => panic!("{k:?}"),
                }
                assert!(else_items.is_some());
            }
            k => panic!("{k:?}"),
        }
        let d = errors(&format!(
            "{HEAD}optional {{ user v roles r; type t; }}\n{TAIL}"
        ));
        assert!(
            d.iter()
                .any(|d| d.message.contains("after the `user` statements")),
            "{d:?}"
        );
        let d = errors(&format!("{HEAD}type t; require {{ type t; }}\n{TAIL}"));
        assert!(
            d.iter()
                .any(|d| d.message.contains("`require` is only allowed")),
            "{d:?}"
        );
    }

    #[test]
    fn constraint_shorthands_are_normalised() {
        let expr = |e: &str| match one_constraint(e) {
            K::Constrain { expr, .. } => expr,
            k => panic!("{k:?}"),
        };
        assert!(matches!(
            expr("sameuser"),
            ast::CExpr::Attr {
                left: ast::COperand::U1,
                op: ast::COp::Eq,
                right: ast::COperand::U2,
                ..
            }
        ));
        assert!(matches!(
            expr("role dom"),
            ast::CExpr::Attr {
                left: ast::COperand::R1,
                op: ast::COp::Dom,
                right: ast::COperand::R2,
                ..
            }
        ));
        assert!(matches!(
            expr("source role r"),
            ast::CExpr::Names {
                operand: ast::COperand::R1,
                op: ast::COp::Eq,
                ..
            }
        ));
        assert!(matches!(
            expr("target role r"),
            ast::CExpr::Names {
                operand: ast::COperand::R2,
                ..
            }
        ));
        assert!(matches!(
            expr("source type t"),
            ast::CExpr::Names {
                operand: ast::COperand::T1,
                ..
            }
        ));
        assert!(matches!(
            expr("target type { t u }"),
            ast::CExpr::Names {
                operand: ast::COperand::T2,
                ..
            }
        ));
        assert!(matches!(expr("not t3 != ~{ a }"), ast::CExpr::Not(_)));
        assert!(
            matches!(expr("u1 == u2 or r1 == r2 and t1 eq t2"), ast::CExpr::Or(_, b) if matches!(*b, ast::CExpr::And(..)))
        );
    }

    fn one_constraint(expr: &str) -> K {
        let text = format!(
            "{HEAD}type t;\nuser u roles r;\nconstrain file read {expr};\nsid kernel u:r:t\n"
        );
        let (p, d, map) = run(&text);
        assert!(d.is_empty(), "{}", crate::diag::render(&d, &map));
        p.items[8].kind.clone()
    }

    #[test]
    fn full_mls_selinux_policy_parses_and_round_trips() {
        let text = r#"class file
sid kernel
class file { read }
default_user file source;
default_range { file } target low-high;
default_range file glblub;
sensitivity s0;
sensitivity s1 alias { sx };
dominance { s0 s1 }
category c0;
category c1 alias x;
level s0;
level s1:c0,c1;
mlsconstrain file read l1 dom h2 and l2 incomp h2;
mlsvalidatetrans file r1 domby r2;
type t;
;
user u roles { r } level s0 range s0 - s1:c0.c1;
validatetrans file u1 == u2;
sid kernel u:r:t:s0 - s1
fscon 1 2 u:r:t:s0 u:r:t:s0
fs_use_xattr 9p u:r:t:s0;
fs_use_task pipefs u:r:t:s0;
fs_use_trans devpts u:r:t:s0;
genfscon proc / -d u:r:t:s0
genfscon proc "/a b" -- u:r:t:s0
portcon tcp 80 u:r:t:s0
portcon udp 1-2 u:r:t:s0
netifcon lo u:r:t:s0 u:r:t:s0
nodecon 127.0.0.1 255.255.255.255 u:r:t:s0
nodecon ::1 ffff:: u:r:t:s0
ibpkeycon fe80:: 0-0x10 u:r:t:s0
ibendportcon mlx4_0 1 u:r:t:s0
"#;
        let (p, d, map) = run(text);
        assert!(d.is_empty(), "{}", crate::diag::render(&d, &map));
        assert_eq!(p.items.len(), 32);
        match &p
            .items
            .iter()
            .find(|i| matches!(i.kind, K::Genfscon { .. }))
            .map(|i| &i.kind)
        {
            Some(K::Genfscon { file_type, .. }) => {
                assert_eq!(file_type.as_ref().map(|f| f.name.as_str()), Some("-d"))
            }
            k => panic!("{k:?}"),
        }
        let (again, d2, _) = run(&print(&p));
        assert!(d2.is_empty());
        assert_eq!(
            ast::debug_without_spans(&p),
            ast::debug_without_spans(&again)
        );
    }

    #[test]
    fn xen_device_contexts() {
        let text = format!("{HEAD}type t;\n{TAIL}pirqcon 33 u:r:t\niomemcon 0xfe-0xff u:r:t\nioportcon 0x60 u:r:t\npcidevicecon 0xc800 u:r:t\ndevicetreecon \"/soc/x\" u:r:t\n");
        let (p, d, map) = run(&text);
        assert!(d.is_empty(), "{}", crate::diag::render(&d, &map));
        assert!(
            matches!(&p.items[p.items.len() - 4].kind, K::Iomemcon { high: Some(h), .. } if h.value == Some(0xff))
        );
        assert!(
            matches!(&p.items[p.items.len() - 1].kind, K::Devicetreecon { path, .. } if path.name == "/soc/x")
        );
    }

    #[test]
    fn numbers_read_like_strtoul() {
        let n = |t: &str| ast::Number::new(t, 0, t.len()).value;
        assert_eq!(n("42"), Some(42));
        assert_eq!(n("0x1F"), Some(31));
        assert_eq!(n("010"), Some(8));
        assert_eq!(n("0"), Some(0));
        assert_eq!(n("99999999999999999999999"), None);
    }

    #[test]
    fn statement_order_is_checkpolicys() {
        let d = errors(&format!(
            "{HEAD}type t;\nuser u roles r;\nrole r;\nsid kernel u:r:t\n"
        ));
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0]
            .message
            .contains("`role` is not allowed after the `user` statements"));
        let d = errors(&format!("{HEAD}type t;\nsid kernel u:r:t\n"));
        assert!(
            d[0].message
                .contains("expected the `user` statements before `sid`"),
            "{d:?}"
        );
        let d = errors("class file\nsid kernel\nclass file { read }\nsensitivity s0;\ndominance s0\ndominance s0\nlevel s0;\nmlsconstrain file read l1 == l2;\ntype t;\nuser u roles r;\nsid kernel u:r:t\n");
        assert!(d[0].message.contains("a second `dominance`"), "{d:?}");
        let d = errors("class file\n");
        assert!(d[0].message.contains("before the end of the file"), "{d:?}");
    }

    #[test]
    fn recovery_reports_every_error() {
        let d = errors(&format!(
            "{HEAD}type a\ntype b;\nalow a b : c d;\nallow a b : c d\n{TAIL}"
        ));
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(d.iter().all(|d| d.code == "syntax-error"));
    }

    #[test]
    fn unclosed_block_points_at_its_opening() {
        let text = format!("{HEAD}type t;\nif b {{ allow a b : c d;\n");
        let d = errors(&text);
        let last = d.last().expect("an error");
        assert_eq!(last.message, "unexpected end of file");
        let opening = text.find("{ allow").expect("the brace");
        assert!(last
            .labels
            .iter()
            .any(|l| !l.primary && l.span.start as usize == opening));
    }

    #[test]
    fn unrecognized_characters_are_reported_once_per_run() {
        let d = errors(&format!("{HEAD}type t;$$ \u{e9}\n{TAIL}"));
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d.iter().all(|d| d.code == "unrecognized-character"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        for text in [
            "{".repeat(100_000),
            format!("if {}a{} {{ }}", "(".repeat(50_000), ")".repeat(50_000)),
            format!("if {}a {{ }}", "!".repeat(100_000)),
            format!("if a{} {{ }}", " && a".repeat(100_000)),
            format!(
                "constrain c p {}u1 == u2;",
                "t1 == { a } and ".repeat(100_000)
            ),
        ] {
            let d = errors(&text);
            assert!(
                d.iter().any(|d| d.code == "nesting-too-deep"),
                "{:?}",
                d.first()
            );
        }
        // Just under the limits parses, prints and drops fine.
        let deep = format!(
            "if {}a{} {{ }}",
            "(".repeat(MAX_NESTING - 1),
            ")".repeat(MAX_NESTING - 1)
        );
        let chain = format!("if a{} {{ }}", " && !a".repeat(MAX_OPERATORS / 2));
        for b in [deep, chain] {
            let (p, d, _) = run(&format!("{HEAD}{b}\n{TAIL}"));
            assert!(d.is_empty(), "{d:?}");
            assert!(!print(&p).is_empty());
        }
    }

    #[test]
    fn line_directives_are_recorded() {
        let mut map = SourceMap::new();
        let text = format!("{HEAD}#line 1 \"modules/xen.te\"\ntype t\n#line 9\n{TAIL}");
        let file = map.add(SourceFile::new("policy.conf", text));
        let (_, d) = parse(&mut map, file);
        assert_eq!(map.file(file).directive_count(), 2);
        let out = crate::diag::render(&d, &map);
        assert!(out.contains("modules/xen.te:9:1"), "{out}");
    }

    /// A tiny deterministic generator (xorshift), so the test needs no crates.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn random_characters_never_panic() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let alphabet: Vec<char> = "ab09xX_-.:;,{}()[]~*!&|^=#\"/ \n\t\u{e9}$"
            .chars()
            .collect();
        for _ in 0..300 {
            let len = (rng.next() % 300) as usize;
            let text: String = (0..len)
                .map(|_| alphabet[(rng.next() % alphabet.len() as u64) as usize])
                .collect();
            let (p, d, map) = run(&text);
            let _ = crate::diag::render(&d, &map);
            let _ = print(&p);
        }
    }

    #[test]
    fn random_token_soup_never_panics() {
        const WORDS: &[&str] = &[
            "class",
            "sid",
            "common",
            "inherits",
            "{",
            "}",
            "(",
            ")",
            ";",
            ":",
            ",",
            "-",
            "~",
            "*",
            "type",
            "attribute",
            "alias",
            "allow",
            "neverallow",
            "allowxperm",
            "ioctl",
            "if",
            "else",
            "optional",
            "require",
            "role",
            "types",
            "user",
            "roles",
            "level",
            "range",
            "constrain",
            "mlsconstrain",
            "u1",
            "u2",
            "r1",
            "t3",
            "==",
            "!=",
            "&&",
            "||",
            "!",
            "not",
            "and",
            "dom",
            "sameuser",
            "source",
            "target",
            "sensitivity",
            "dominance",
            "category",
            "s0",
            "c0.c3",
            "a",
            "self",
            "0x10",
            "12",
            "12x",
            "1.2.3.4",
            "fe80::",
            "/dev/x",
            "\"/q p\"",
            "\"name\"",
            "genfscon",
            "portcon",
            "nodecon",
            "pirqcon",
            "iomemcon",
            "fs_use_xattr",
            "default_range",
            "low-high",
            "glblub",
            "true",
            "$",
            "#line 3 \"x.te\"\n",
            "\n",
        ];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..300 {
            let len = (rng.next() % 200) as usize;
            let text: Vec<&str> = (0..len)
                .map(|_| WORDS[(rng.next() % WORDS.len() as u64) as usize])
                .collect();
            let text = text.join(" ");
            let (p, _, map) = run(&text);
            let _ = crate::diag::render(&errors(&text), &map);
            let printed = print(&p);
            let _ = run(&printed);
        }
    }
}
