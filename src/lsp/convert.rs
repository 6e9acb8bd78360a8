//! Between flaskc's values and the protocol's: byte offsets and UTF-16 positions, paths
//! and `file:` URIs, [`Diagnostic`]s and protocol diagnostics.

use crate::diag::{Diagnostic, Severity};
use crate::source::{FileId, SourceFile, SourceMap, Span};
use lsp_types as lsp;
use std::path::{Component, Path, PathBuf};

/// The protocol position (line, UTF-16 column) of a byte offset.
pub fn position(file: &SourceFile, offset: usize) -> lsp::Position {
    let offset = offset.min(file.text().len());
    let line = file.line_index(offset);
    let start = file.line_starts()[line] as usize;
    let column = file
        .text()
        .get(start..offset)
        .map_or(0, |s| s.encode_utf16().count());
    lsp::Position::new(line as u32, column as u32)
}

/// The protocol range of a span.
pub fn range(file: &SourceFile, span: Span) -> lsp::Range {
    lsp::Range::new(
        position(file, span.start as usize),
        position(file, span.end as usize),
    )
}

/// The byte offset of a protocol position, clamped to the text.
pub fn offset(file: &SourceFile, pos: lsp::Position) -> usize {
    let lines = file.line_starts().len();
    if pos.line as usize >= lines {
        return file.text().len();
    }
    let r = file.line_range(pos.line as usize);
    let mut units = 0;
    for (i, c) in file.text()[r.clone()].char_indices() {
        if units >= pos.character as usize {
            return r.start + i;
        }
        units += c.len_utf16();
    }
    r.end
}

/// A path with `.` and `..` taken out without asking the file system (a tree names the
/// hypervisor's files as `../../../xen/...`).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The `file:` URI of a path.
pub fn url(path: &Path) -> Option<lsp::Url> {
    lsp::Url::from_file_path(path).ok()
}

/// The path of a `file:` URI.
pub fn path(url: &lsp::Url) -> Option<PathBuf> {
    url.to_file_path().ok().map(|p| normalize(&p))
}

/// A diagnostic for the protocol, in the file of its primary label (or of its first
/// label): secondary labels and the notes that name a `FILE:LINE` of the policy become
/// related information; other notes are appended to the message. `locate` turns a file
/// of the map into a URI; `by_name` finds a file of the map by the name notes use.
pub fn diagnostic(
    d: &Diagnostic,
    map: &SourceMap,
    locate: &dyn Fn(FileId) -> Option<lsp::Url>,
    by_name: &dyn Fn(&str) -> Option<FileId>,
) -> lsp::Diagnostic {
    let main = d.primary_label().or(d.labels.first());
    let range = main.map_or_else(lsp::Range::default, |l| range(map.file(l.file), l.span));
    let mut message = d.message.clone();
    let mut related = Vec::new();
    for l in &d.labels {
        if main.is_some_and(|m| std::ptr::eq(m, l)) {
            continue;
        }
        if let Some(uri) = locate(l.file) {
            related.push(lsp::DiagnosticRelatedInformation {
                location: lsp::Location::new(uri, range_of(map, l.file, l.span)),
                message: if l.message.is_empty() {
                    "related".into()
                } else {
                    l.message.clone()
                },
            });
        }
    }
    for note in &d.notes {
        match note_location(note, map, by_name) {
            Some((file, span)) if locate(file).is_some() => {
                related.push(lsp::DiagnosticRelatedInformation {
                    location: lsp::Location::new(
                        locate(file).expect("checked by the guard"),
                        range_of(map, file, span),
                    ),
                    message: note.clone(),
                });
            }
            _ => {
                message.push('\n');
                message.push_str(note);
            }
        }
    }
    if let Some(l) = main.filter(|l| !l.message.is_empty()) {
        message.push_str(&format!("\n{}", l.message));
    }
    lsp::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
            Severity::Note => lsp::DiagnosticSeverity::INFORMATION,
        }),
        code: Some(lsp::NumberOrString::String(d.code.to_string())),
        source: Some("flaskc".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..lsp::Diagnostic::default()
    }
}

fn range_of(map: &SourceMap, file: FileId, span: Span) -> lsp::Range {
    range(map.file(file), span)
}

/// The last `NAME:LINE` in a note whose name is a file of the map (for a macro chain,
/// where the macro was defined): the whole line.
fn note_location(
    note: &str,
    map: &SourceMap,
    by_name: &dyn Fn(&str) -> Option<FileId>,
) -> Option<(FileId, Span)> {
    for word in note.rsplit([' ', ',', '(', ')']) {
        let Some((name, line)) = word.rsplit_once(':') else {
            continue;
        };
        let (Some(file), Ok(line)) = (by_name(name), line.parse::<usize>()) else {
            continue;
        };
        let f = map.file(file);
        if line == 0 || line > f.line_starts().len() {
            continue;
        }
        let r = f.line_range(line - 1);
        return Some((file, Span::new(r.start, r.end)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_both_ways() {
        let f = SourceFile::new("a", "ab\nxé𝄞y\n");
        let y = f.text().find('y').unwrap();
        let p = position(&f, y);
        assert_eq!(p, lsp::Position::new(1, 4));
        assert_eq!(offset(&f, p), y);
        assert_eq!(offset(&f, lsp::Position::new(9, 0)), f.text().len());
    }

    #[test]
    fn normalize_drops_dots() {
        assert_eq!(
            normalize(Path::new("/a/b/./c/../../x")),
            PathBuf::from("/a/x")
        );
    }

    #[test]
    fn a_macro_note_becomes_related_information() {
        let mut map = SourceMap::new();
        let te = map.add(SourceFile::new("m/a.te", "one\ntwo_t\n"));
        let iface = map.add(SourceFile::new("m/a.if", "define(`x', `$1')\n"));
        let d = Diagnostic::error("undefined-type", "unknown type `two_t`")
            .primary(te, Span::new(4, 9), "")
            .note("in expansion of macro `x` called at m/a.if:1")
            .note("did you mean `one`");
        let url = |f: FileId| lsp::Url::parse(&format!("file:///t/{}", map.file(f).name)).ok();
        let by_name = |n: &str| map.files().find(|(_, f)| f.name == n).map(|(i, _)| i);
        let out = diagnostic(&d, &map, &url, &by_name);
        assert_eq!(out.range.start, lsp::Position::new(1, 0));
        let rel = out.related_information.unwrap();
        assert_eq!(rel[0].location.uri.path(), "/t/m/a.if");
        assert_eq!(rel[0].location.range.start.line, 0);
        assert!(out.message.ends_with("did you mean `one`"));
        let _ = iface;
    }
}
