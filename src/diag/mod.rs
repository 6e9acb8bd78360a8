//! The one diagnostic type of flaskc, and its renderings: text for people (through
//! codespan-reporting, optionally coloured), JSON lines for tools, SARIF 2.1.0
//! ([`sarif`]) and GitHub Actions workflow commands ([`github`]) for CI.
//!
//! A diagnostic is data: a stable code, a severity, a message, labelled spans and notes.
//! Stages build them; only `cli` decides how to print them.
//!
//! Text that came from a `#line`-annotated file (a policy.conf written by `m4 -s`) is shown at
//! the original file and line: each directive starts a "segment" that codespan sees as a file
//! of its own, named after the original file and numbered from the directive's line.

pub mod codes;
pub mod github;
pub mod sarif;
pub mod suggest;

use crate::source::{FileId, SourceMap, Span};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{Error as FilesError, Files};
use std::ops::Range;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// A remark that needs no action.
    Note,
    /// Suspicious but accepted (an error with `-E`).
    Warning,
    /// The input is rejected.
    Error,
}

impl Severity {
    fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A labelled span: primary labels mark the offending text, secondary ones related sites.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Label {
    /// The file the span is in.
    pub file: FileId,
    /// The text the label points at.
    pub span: Span,
    /// What the label says (may be empty).
    pub message: String,
    /// Whether this is the primary label.
    pub primary: bool,
}

/// A problem found in the input, with everything needed to show it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// A stable identifier (`undefined-type`, `syntax-error` ...).
    pub code: &'static str,
    /// How bad it is.
    pub severity: Severity,
    /// One lowercase sentence without a final period; names in backticks.
    pub message: String,
    /// Labelled spans; the first primary one is the diagnostic's location.
    pub labels: Vec<Label>,
    /// Free-standing remarks ("expected one of ...").
    pub notes: Vec<String>,
}

/// The warnings that checkpolicy gives too (its `yywarn`), which `-E` turns into errors;
/// flaskc's other warnings stay warnings under `-E`, as checkpolicy has no such error.
pub const CHECKPOLICY_WARNINGS: &[&str] = &[
    "nodecon-mask",
    "nodecon-host-bits",
    "role-dominance",
    "dontaudit-complement",
];

impl Diagnostic {
    /// An error with a code and message and no labels yet.
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            labels: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// A warning with a code and message and no labels yet.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// Adds the primary label.
    pub fn primary(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            file,
            span,
            message: message.into(),
            primary: true,
        });
        self
    }

    /// Adds a secondary label.
    pub fn secondary(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            file,
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    /// Adds a note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Whether the diagnostic rejects the input.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The primary label, if any.
    pub fn primary_label(&self) -> Option<&Label> {
        self.labels.iter().find(|l| l.primary)
    }
}

/// codespan's view of a [`SourceMap`]: one codespan file per `#line` segment of each file.
struct Segments<'a> {
    map: &'a SourceMap,
}

/// A codespan file id: a file and the index of the `#line` directive in force (0 = none).
type SegmentId = (FileId, usize);

impl<'a> Segments<'a> {
    fn segment_of(&self, file: FileId, offset: usize) -> SegmentId {
        let f = self.map.file(file);
        let line = f.line_index(offset);
        (file, f.directives_through(line))
    }
}

impl<'a> Files<'a> for Segments<'a> {
    type FileId = SegmentId;
    type Name = String;
    type Source = &'a str;

    fn name(&'a self, (file, seg): SegmentId) -> Result<String, FilesError> {
        let f = self.map.file(file);
        Ok(match seg.checked_sub(1) {
            Some(i) => match f.directive(i) {
                Some(d) => f.directive_file(&d).to_string(),
                None => f.name.clone(),
            },
            None => f.name.clone(),
        })
    }

    fn source(&'a self, (file, _): SegmentId) -> Result<&'a str, FilesError> {
        Ok(self.map.file(file).text())
    }

    fn line_index(&'a self, (file, _): SegmentId, byte: usize) -> Result<usize, FilesError> {
        Ok(self.map.file(file).line_index(byte))
    }

    fn line_number(&'a self, (file, seg): SegmentId, line: usize) -> Result<usize, FilesError> {
        let f = self.map.file(file);
        Ok(match seg.checked_sub(1) {
            Some(i) => match f.directive(i) {
                Some(d) => (d.orig_line as usize + line).saturating_sub(d.at_line as usize),
                None => line + 1,
            },
            None => line + 1,
        })
    }

    fn line_range(&'a self, (file, _): SegmentId, line: usize) -> Result<Range<usize>, FilesError> {
        let f = self.map.file(file);
        if line >= f.line_starts().len() {
            return Err(FilesError::LineTooLarge {
                given: line,
                max: f.line_starts().len() - 1,
            });
        }
        let r = f.line_range(line);
        // codespan wants the range to include the line break.
        Ok(r.start..(r.end + 1).min(f.text().len()).max(r.end))
    }
}

/// Renders diagnostics as text, as `flaskc` prints them on standard error.
pub fn render(diags: &[Diagnostic], map: &SourceMap) -> String {
    render_styled(diags, map, false)
}

/// [`render`], with ANSI colours when `color` is set.
pub fn render_styled(diags: &[Diagnostic], map: &SourceMap, color: bool) -> String {
    use codespan_reporting::term::{termcolor::Ansi, Styles, StylesWriter};
    let files = Segments { map };
    let config = codespan_reporting::term::Config::default();
    let styles = Styles::default();
    let mut out = String::new();
    for d in diags {
        let mut notes = d.notes.clone();
        if let Some(p) = d.primary_label() {
            let f = map.file(p.file);
            let loc = f.location(p.span.start as usize);
            if loc.origin.is_some() {
                notes.push(format!(
                    "in the generated text at {}:{}:{}",
                    loc.file, loc.line, loc.column
                ));
            }
        }
        let labels = d
            .labels
            .iter()
            .map(|l| {
                let style = if l.primary {
                    cs::LabelStyle::Primary
                } else {
                    cs::LabelStyle::Secondary
                };
                cs::Label::new(
                    style,
                    files.segment_of(l.file, l.span.start as usize),
                    l.span.range(),
                )
                .with_message(l.message.clone())
            })
            .collect();
        let severity = match d.severity {
            Severity::Note => cs::Severity::Note,
            Severity::Warning => cs::Severity::Warning,
            Severity::Error => cs::Severity::Error,
        };
        let cd = cs::Diagnostic::new(severity)
            .with_code(d.code)
            .with_message(d.message.clone())
            .with_labels(labels)
            .with_notes(notes);
        let rendered = if color {
            let mut buf = Ansi::new(Vec::new());
            let mut w = StylesWriter::new(&mut buf, &styles);
            codespan_reporting::term::emit_to_write_style(&mut w, &config, &files, &cd)
                .map(|()| String::from_utf8_lossy(&buf.into_inner()).into_owned())
        } else {
            codespan_reporting::term::emit_into_string(&config, &files, &cd)
        };
        match rendered {
            Ok(s) => out.push_str(&s),
            Err(_) => out.push_str(&format!(
                "{}[{}]: {}\n",
                d.severity.as_str(),
                d.code,
                d.message
            )),
        }
    }
    out
}

/// The location of a label as the user should see it: the original file and line through
/// `#line`, with the column in the generated text.
pub(crate) fn shown_location(map: &SourceMap, file: FileId, offset: u32) -> (String, u32, u32) {
    let loc = map.file(file).location(offset as usize);
    match loc.origin {
        Some((f, l)) => (f, l, loc.column),
        None => (loc.file, loc.line, loc.column),
    }
}

/// One diagnostic as a JSON object (one line of `--message-format json`).
pub fn to_json(d: &Diagnostic, map: &SourceMap) -> serde_json::Value {
    use serde_json::json;
    let label_json = |l: &Label| {
        let (file, line, column) = shown_location(map, l.file, l.span.start);
        let (_, end_line, end_column) = shown_location(map, l.file, l.span.end);
        let generated = map.file(l.file).location(l.span.start as usize);
        json!({
            "file": file, "line": line, "column": column,
            "end": { "line": end_line, "column": end_column },
            "generated": { "file": generated.file, "line": generated.line, "column": generated.column },
            "message": l.message, "primary": l.primary,
        })
    };
    let primary = d.primary_label().map(label_json);
    let get = |k: &str| {
        primary
            .as_ref()
            .map(|p| p[k].clone())
            .unwrap_or(serde_json::Value::Null)
    };
    json!({
        "severity": d.severity.as_str(),
        "code": d.code,
        "message": d.message,
        "file": get("file"), "line": get("line"), "column": get("column"), "end": get("end"),
        "labels": d.labels.iter().map(label_json).collect::<Vec<_>>(),
        "notes": d.notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    #[test]
    fn renders_at_the_original_line_through_line_directives() {
        let text = "#line 1 \"modules/xen.te\"\ntype a;\nallow a b : c d;\n";
        let mut f = SourceFile::new("policy.conf", text);
        f.add_directive(0, 1, Some("modules/xen.te"));
        let mut map = SourceMap::new();
        let id = map.add(f);
        let at = text.find(" b ").unwrap() + 1;
        let d = Diagnostic::error("undefined-type", "unknown type `b`").primary(
            id,
            Span::new(at, at + 1),
            "not declared",
        );
        let out = render(std::slice::from_ref(&d), &map);
        assert!(out.contains("modules/xen.te:2:9"), "{out}");
        assert!(out.contains("policy.conf:3:9"), "{out}");
        let j = to_json(&d, &map);
        assert_eq!(j["file"], "modules/xen.te");
        assert_eq!(j["line"], 2);
        assert_eq!(j["column"], 9);
    }
}
