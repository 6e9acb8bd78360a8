//! Diagnostics as GitHub Actions workflow commands (`::error file=...::message`), which
//! the runner turns into annotations on the lines of a pull request.

use super::{shown_location, Diagnostic, Severity};
use crate::source::SourceMap;

/// One diagnostic as one workflow command line (without the line break).
pub fn to_github(d: &Diagnostic, map: &SourceMap) -> String {
    let command = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let mut props = Vec::new();
    if let Some(p) = d.primary_label() {
        let (file, line, column) = shown_location(map, p.file, p.span.start);
        let (_, end_line, end_column) = shown_location(map, p.file, p.span.end);
        props.push(format!("file={}", property(&file)));
        props.push(format!("line={line}"));
        props.push(format!("col={column}"));
        if end_line == line {
            props.push(format!("endColumn={end_column}"));
        } else {
            props.push(format!("endLine={end_line}"));
        }
    }
    props.push(format!("title={}", property(d.code)));
    let mut message = d.message.clone();
    for n in &d.notes {
        message.push('\n');
        message.push_str(n);
    }
    format!("::{command} {}::{}", props.join(","), data(&message))
}

/// Escapes a command's message.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command's property value.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{SourceFile, Span};

    #[test]
    fn a_command_names_the_place_and_escapes_its_text() {
        let mut map = SourceMap::new();
        let f = map.add(SourceFile::new("a,b.te", "allow a b:c d;\n"));
        let d = Diagnostic::warning("some-code", "50% of it\nfailed")
            .primary(f, Span::new(8, 9), "")
            .note("a: note");
        assert_eq!(
            to_github(&d, &map),
            "::warning file=a%2Cb.te,line=1,col=9,endColumn=10,title=some-code::50%25 of it%0Afailed%0Aa: note"
        );
    }
}
