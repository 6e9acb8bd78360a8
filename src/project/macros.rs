//! Errors about macro calls, told at the call the user wrote rather than inside the text
//! the macros produced: a call of a macro that does not exist, a call with fewer
//! arguments than the macro's body uses, and m4 quotes that a `#` comment or a missing
//! closing quote put in the wrong place.
//!
//! The expander is not changed for this: it records how many arguments each call passed
//! and which `$N` the body used ([`m4::Expansion`]), and this module reads that record,
//! the compiler's diagnostics and the source files.

use super::quotes::quotes;
use super::remap::{call_span, FileIds};
use crate::diag::{suggest, Diagnostic, Label};
use crate::m4;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use std::collections::HashSet;

/// Rewrites diagnostics about the expanded text (`conf`) that a macro call explains:
/// "unexpected identifier `x`" before a `(` becomes "`x` is not defined" (with the
/// closest macro), and the errors inside a call that passed too few arguments become one
/// error at that call. Labels stay in `conf` except those of the new call errors.
pub(crate) fn explain_calls(
    diags: Vec<Diagnostic>,
    conf: FileId,
    expanded: &m4::Expanded,
    map: &SourceMap,
    ids: &FileIds,
) -> Vec<Diagnostic> {
    let text = map.file(conf).text();
    let mut reported = HashSet::new();
    let mut out = Vec::with_capacity(diags.len());
    for d in diags {
        let at = d.primary_label().filter(|l| l.file == conf).map(|l| l.span);
        let Some(span) = at.filter(|_| d.is_error()) else {
            out.push(d);
            continue;
        };
        if let Some(call) = short_call(expanded, span) {
            if reported.insert(call) {
                out.push(argument_count(call, expanded, map, ids));
            }
            continue;
        }
        match called_name(&d, text, span) {
            Some(name) => out.push(undefined_macro(d, name, span, expanded)),
            None => out.push(d),
        }
    }
    out
}

/// The name of an undefined macro call that the parser stumbled on: the identifier at
/// `span`, when a `(` follows it.
fn called_name<'t>(d: &Diagnostic, text: &'t str, span: Span) -> Option<&'t str> {
    if d.code != "syntax-error" {
        return None;
    }
    let name = text.get(span.range())?;
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if name.is_empty()
        || !name.chars().all(is_name)
        || name.starts_with(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    text[span.end as usize..]
        .trim_start_matches([' ', '\t'])
        .starts_with('(')
        .then_some(name)
}

/// "`name` is not defined", at the call, with the closest defined macro.
fn undefined_macro(old: Diagnostic, name: &str, span: Span, expanded: &m4::Expanded) -> Diagnostic {
    let file = old.primary_label().map_or(FileId::default(), |l| l.file);
    let mut d = Diagnostic::error("undefined-macro", format!("`{name}` is not defined")).primary(
        file,
        span,
        "called as an interface or macro",
    );
    let names = expanded.definitions.iter().map(|def| def.name.as_str());
    match suggest::closest(name, names) {
        Some(close) => {
            let def = expanded.definitions.iter().find(|def| def.name == close);
            let at = def
                .and_then(|def| def.defined_at)
                .map_or(String::new(), |(f, l)| {
                    format!(" ({}:{l})", expanded.file_name(f))
                });
            d = d.note(format!("did you mean `{close}`{at}?"));
        }
        None => {
            d = d.note(
                "m4 leaves a name that is not a macro as it is, and the compiler cannot read it",
            )
        }
    }
    d
}

/// The outermost call that produced the text at `span` and passed fewer arguments than
/// the body of its macro (defined in a file) uses.
fn short_call(expanded: &m4::Expanded, span: Span) -> Option<u32> {
    let origin = expanded.origin_at(span.start as usize)?;
    let mut next = origin.expansion;
    let mut found = None;
    while let Some(i) = next {
        let e = expanded.expansions.get(i as usize)?;
        if e.defined_at.is_some() && e.args < e.params {
            found = Some(i);
        }
        next = e.parent;
    }
    found
}

/// The error for a call that passed too few arguments: at the call, with the definition.
fn argument_count(
    call: u32,
    expanded: &m4::Expanded,
    map: &SourceMap,
    ids: &FileIds,
) -> Diagnostic {
    let e = &expanded.expansions[call as usize];
    let plural = |n: u32| if n == 1 { "" } else { "s" };
    let mut d = Diagnostic::error(
        "macro-argument-count",
        format!(
            "`{}` is called with {} argument{} but uses `${}`",
            e.name,
            e.args,
            plural(e.args),
            e.params
        ),
    );
    let site = ids.get(expanded.file_name(e.call_file)).copied();
    match site {
        Some(file) => {
            d = d.primary(
                file,
                call_span(map.file(file), e),
                format!("{} argument{} given", e.args, plural(e.args)),
            );
        }
        None => {
            d = d.note(format!(
                "at {}:{}",
                expanded.file_name(e.call_file),
                e.call_line
            ))
        }
    }
    if let Some((f, line)) = e.defined_at {
        if let Some(&file) = ids.get(expanded.file_name(f)) {
            d = d.secondary(
                file,
                line_span(map.file(file), line),
                format!(
                    "`{}` is defined here and uses {} argument{}",
                    e.name,
                    e.params,
                    plural(e.params)
                ),
            );
        }
    }
    let mut parent = e.parent;
    while let Some(p) = parent.and_then(|p| expanded.expansions.get(p as usize)) {
        d = d.note(format!(
            "in expansion of macro `{}` called at {}:{}",
            p.name,
            expanded.file_name(p.call_file),
            p.call_line
        ));
        parent = p.parent;
    }
    d.note("the errors this caused in the expanded text are not shown")
}

/// The span of a 1-based line, without its newline.
fn line_span(f: &SourceFile, line: u32) -> Span {
    let idx = (line.max(1) as usize - 1).min(f.line_starts().len() - 1);
    let r = f.line_range(idx);
    Span::new(r.start, r.end)
}

/// Warnings for quotes inside `#` comments within quoted text, in the files m4 read.
pub(crate) fn comment_quote_warnings(map: &SourceMap, ids: &FileIds) -> Vec<Diagnostic> {
    let mut files: Vec<(&String, &FileId)> = ids.iter().collect();
    files.sort();
    let mut out = Vec::new();
    for (_, &file) in files {
        let f = map.file(file);
        for c in quotes(f.text()).in_comments {
            let opened = f.location(c.open.start);
            let what = if c.closes { "ends" } else { "opens" };
            out.push(
                Diagnostic::warning(
                    "m4-quote-in-comment",
                    format!(
                        "a quote character in a `{}` comment inside quoted text",
                        c.comment.trim()
                    ),
                )
                .primary(
                    file,
                    Span::new(c.quote.start, c.quote.end),
                    format!("m4 reads this as a quote: it {what} quoted text"),
                )
                .secondary(
                    file,
                    Span::new(c.open.start, c.open.end),
                    "the quoted text begins here",
                )
                .note(format!(
                    "inside m4 quotes (from line {}) `{}` does not start a comment",
                    opened.line,
                    c.comment.trim()
                ))
                .note("reword the comment without quote characters"),
            );
        }
    }
    out
}

/// When the text does not parse and a quote in a comment was found, the quote is the
/// likely cause: it becomes an error, and each syntax error says so.
pub(crate) fn blame_comment_quotes(diags: &mut [Diagnostic], map: &SourceMap) {
    let broken = |d: &Diagnostic| {
        d.is_error() && matches!(d.code, "syntax-error" | "unrecognized-character")
    };
    if !diags.iter().any(broken) {
        return;
    }
    let mut causes = Vec::new();
    for d in diags.iter_mut().filter(|d| d.code == "m4-quote-in-comment") {
        d.severity = crate::diag::Severity::Error;
        if let Some(l) = d.primary_label() {
            let at = map.file(l.file).location(l.span.start as usize);
            causes.push(format!("{}:{}:{}", at.file, at.line, at.column));
        }
    }
    if causes.is_empty() {
        return;
    }
    let note = format!(
        "probably caused by the quote in a comment at {}",
        causes.join(", ")
    );
    for d in diags.iter_mut().filter(|d| broken(d)) {
        d.notes.push(note.clone());
    }
}

/// For an m4 "end of file in string" or "end of file in comment" (`code`) at `file` and
/// `line`, the label of the quote or comment left open.
pub(crate) fn unclosed_label(f: &SourceFile, file: FileId, line: u32, code: &str) -> Option<Label> {
    let (at, what) = match code {
        "m4-unterminated-string" => (quotes(f.text()).unclosed?, "this quote is never closed"),
        "m4-unterminated-comment" => (
            quotes(f.text()).unclosed_comment?,
            "this comment is never closed",
        ),
        _ => return None,
    };
    (f.line_index(at.start) + 1 == line as usize).then(|| Label {
        file,
        span: Span::new(at.start, at.end),
        message: what.into(),
        primary: true,
    })
}
