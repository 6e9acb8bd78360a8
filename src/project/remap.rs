//! Diagnostics about m4's output moved back to the files the user wrote, with a note for
//! each macro expansion on the way.

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
                m4::Severity::Warning => Diagnostic::warning("m4", m.text.clone()),
                _ => Diagnostic::error("m4", m.text.clone()),
            };
            place(d, m.file, m.line)
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

/// Moves a diagnostic's labels from the expanded text to the original files, and adds a
/// note for each macro expansion that produced its primary text.
pub(crate) fn remap_diagnostic(
    mut d: Diagnostic,
    conf: FileId,
    expanded: &m4::Expanded,
    map: &SourceMap,
    ids: &FileIds,
) -> Diagnostic {
    let mut notes = Vec::new();
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
        let conf_text = &map.file(conf).text;
        let wanted = conf_text.get(label.span.range()).unwrap_or("").to_string();
        *label = Label {
            file,
            span: locate(map.file(file), origin.line, origin.column, &wanted),
            ..label.clone()
        };
        if i == 0 || label.primary {
            notes.clear();
            for e in expanded.chain(origin) {
                let at = match e.defined_at {
                    Some((f, line)) => format!(", defined at {}:{line}", expanded.file_name(f)),
                    None => String::new(),
                };
                notes.push(format!(
                    "in expansion of macro `{}` called at {}:{}{at}",
                    e.name,
                    expanded.file_name(e.call_file),
                    e.call_line
                ));
            }
        }
    }
    d.notes.extend(notes);
    d
}

/// The span in an original file for text `wanted` whose origin is `line:column`: the
/// first occurrence of the text on that line from the column on (where a macro argument
/// was written), else the origin itself.
fn locate(file: &SourceFile, line: u32, column: u32, wanted: &str) -> Span {
    let idx = (line.max(1) - 1) as usize;
    if idx >= file.line_starts().len() {
        return Span::new(file.text.len(), file.text.len());
    }
    let r = file.line_range(idx);
    let from = (r.start + column.saturating_sub(1) as usize).min(r.end);
    let first_line = wanted.lines().next().unwrap_or("");
    if !first_line.is_empty() {
        if let Some(text) = file.text.get(from..r.end) {
            if let Some(pos) = find_word(text, first_line) {
                return Span::new(from + pos, from + pos + first_line.len());
            }
        }
        if let Some(text) = file.text.get(r.clone()) {
            if let Some(pos) = find_word(text, first_line) {
                return Span::new(r.start + pos, r.start + pos + first_line.len());
            }
        }
    }
    let end = file.text[from..r.end]
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
