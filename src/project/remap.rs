//! Diagnostics about m4's output moved back to the files the user wrote, with a note for
//! each macro expansion on the way.

use super::macros;
use crate::diag::{Diagnostic, Label};
use crate::m4;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use std::collections::HashMap;

/// The original files of an expansion: their ids in the source map, by the names m4
/// knows them by.
pub(crate) type FileIds = HashMap<String, FileId>;

/// The expander's warnings and errors as diagnostics at their file and line, and an error
/// where `m4exit` stopped it (GNU m4 stops silently, which a build must not).
pub(crate) fn m4_diagnostics(
    expanded: &m4::Expanded,
    map: &SourceMap,
    ids: &FileIds,
) -> Vec<Diagnostic> {
    let place = |mut d: Diagnostic, file_index: u32, line: u32| {
        let name = expanded.file_name(file_index);
        match ids.get(name) {
            Some(&file) if line > 0 => {
                let f = map.file(file);
                let line = (line as usize - 1).min(f.line_starts().len() - 1);
                let r = f.line_range(line);
                let span = Span::new(r.start, r.end.max(r.start));
                d = d.primary(file, span, "");
            }
            _ if line > 0 => d = d.note(format!("at {name}:{line}")),
            _ => {}
        }
        d
    };
    let mut out: Vec<Diagnostic> = expanded
        .diagnostics
        .iter()
        .map(|m| {
            let d = match m.severity {
                m4::Severity::Warning => Diagnostic::warning(m.code(), m.text.clone()),
                _ => Diagnostic::error(m.code(), m.text.clone()),
            };
            let mut d = place(d, m.file, m.line);
            // m4 names the line where the string or comment began; point at its opening
            // delimiter.
            if let Some(l) = d.labels.first_mut() {
                if let Some(q) = macros::unclosed_label(map.file(l.file), l.file, m.line, d.code) {
                    *l = q;
                }
            }
            d
        })
        .collect();
    if let Some((file, line, status)) = expanded.m4exit {
        let d = Diagnostic::error(
            "m4exit",
            format!("`m4exit({status})` stopped the macro expansion"),
        )
        .note("the policy was not compiled");
        out.push(place(d, file, line));
    }
    out
}

/// Moves a diagnostic's labels from the expanded text to the original files. For the
/// primary label, a note names each macro expansion that produced its text; for a
/// secondary one (the rule that breaks a neverallow), a secondary label marks the call in
/// the file the user wrote and a note gives the rest of the chain.
pub(crate) fn remap_diagnostic(
    mut d: Diagnostic,
    conf: FileId,
    expanded: &m4::Expanded,
    map: &SourceMap,
    ids: &FileIds,
) -> Diagnostic {
    let mut primary_notes = Vec::new();
    let mut notes = Vec::new();
    let mut calls = Vec::new();
    for (i, label) in d.labels.iter_mut().enumerate() {
        if label.file != conf {
            continue;
        }
        let Some(origin) = expanded.origin_at(label.span.start as usize) else {
            continue;
        };
        let name = expanded.file_name(origin.file);
        let Some(&file) = ids.get(name) else {
            continue;
        };
        let conf_text = map.file(conf).text();
        let wanted = conf_text.get(label.span.range()).unwrap_or("").to_string();
        *label = Label {
            file,
            span: locate(map.file(file), origin.line, origin.column, &wanted),
            ..label.clone()
        };
        let chain = expansion_notes(expanded, origin);
        let outermost = expanded.chain(origin).last();
        let call = outermost.and_then(|c| call_label(c, expanded, map, ids));
        if i == 0 || label.primary {
            primary_notes = chain;
            // Text written in a macro body: show the call the user wrote too.
            if let Some(l) = call.filter(|l| !same_line(map, l, label)) {
                calls.push(l);
            }
        } else if let Some(l) = call {
            let at = map.file(file).location(label.span.start as usize);
            notes.push(format!(
                "the text at {}:{} comes from these expansions:",
                at.file, at.line
            ));
            notes.extend(chain.into_iter().map(|n| format!("  {n}")));
            calls.push(l);
        }
    }
    for l in calls {
        if !d.labels.contains(&l) {
            d.labels.push(l);
        }
    }
    d.notes.extend(primary_notes);
    d.notes.extend(notes);
    d
}

/// Whether two labels are on one line of one file.
fn same_line(map: &SourceMap, a: &Label, b: &Label) -> bool {
    let f = map.file(a.file);
    a.file == b.file && f.line_index(a.span.start as usize) == f.line_index(b.span.start as usize)
}

/// "in expansion of macro ..." for each call that produced an origin's text, innermost
/// first.
fn expansion_notes(expanded: &m4::Expanded, origin: &m4::Origin) -> Vec<String> {
    expanded
        .chain(origin)
        .map(|e| {
            let at = match e.defined_at {
                Some((f, line)) => format!(", defined at {}:{line}", expanded.file_name(f)),
                None => String::new(),
            };
            format!(
                "in expansion of macro `{}` called at {}:{}{at}",
                e.name,
                expanded.file_name(e.call_file),
                e.call_line
            )
        })
        .collect()
}

/// A secondary label on a macro call as written in its file: the name and its
/// parenthesized arguments when they end on the same line, else the name.
pub(crate) fn call_label(
    call: &m4::Expansion,
    expanded: &m4::Expanded,
    map: &SourceMap,
    ids: &FileIds,
) -> Option<Label> {
    let file = *ids.get(expanded.file_name(call.call_file))?;
    Some(Label {
        file,
        span: call_span(map.file(file), call),
        message: format!("`{}` called here", call.name),
        primary: false,
    })
}

/// The span of a call in its file (see [`call_label`]); the whole line when the column
/// is not known.
pub(crate) fn call_span(f: &SourceFile, call: &m4::Expansion) -> Span {
    let idx = (call.call_line.max(1) - 1) as usize;
    if idx >= f.line_starts().len() {
        return Span::new(f.text().len(), f.text().len());
    }
    let r = f.line_range(idx);
    let line = &f.text()[r.clone()];
    let name_at = match call.call_column {
        0 => find_word(line, &call.name),
        c => Some(c as usize - 1)
            .filter(|&c| line.get(c..).is_some_and(|t| t.starts_with(&call.name))),
    };
    let Some(at) = name_at else {
        return Span::new(r.start, r.end);
    };
    let mut end = at + call.name.len();
    if line[end..].starts_with('(') {
        let mut depth = 0;
        for (k, c) in line[end..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end += k + 1;
                break;
            }
        }
    }
    Span::new(r.start + at, r.start + end)
}

/// The span in an original file for text `wanted` whose origin is `line:column`: the
/// first occurrence of the text on that line from the column on (where a macro argument
/// was written), else the origin itself.
pub(crate) fn locate(file: &SourceFile, line: u32, column: u32, wanted: &str) -> Span {
    let idx = (line.max(1) - 1) as usize;
    if idx >= file.line_starts().len() {
        return Span::new(file.text().len(), file.text().len());
    }
    let r = file.line_range(idx);
    let from = (r.start + column.saturating_sub(1) as usize).min(r.end);
    let first_line = wanted.lines().next().unwrap_or("");
    if !first_line.is_empty() {
        if let Some(text) = file.text().get(from..r.end) {
            if let Some(pos) = find_word(text, first_line) {
                return Span::new(from + pos, from + pos + first_line.len());
            }
        }
        if let Some(text) = file.text().get(r.clone()) {
            if let Some(pos) = find_word(text, first_line) {
                return Span::new(r.start + pos, r.start + pos + first_line.len());
            }
        }
    }
    let end = file.text()[from..r.end]
        .find(|c: char| c.is_whitespace())
        .map_or(r.end, |e| from + e);
    Span::new(from, end.max(from))
}

/// The position of `word` in `text` where it is not part of a longer name.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-';
    let mut start = 0;
    while let Some(p) = text[start..].find(word) {
        let at = start + p;
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        if !before.is_some_and(is_name) && !after.is_some_and(is_name) {
            return Some(at);
        }
        start = at + word.len().max(1);
    }
    None
}
