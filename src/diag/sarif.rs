//! Diagnostics as a SARIF 2.1.0 log (the format code-scanning services read).

use super::{shown_location, Diagnostic, Label, Severity};
use crate::source::SourceMap;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Where the schema of the log is published.
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Builds one SARIF log from the diagnostics of several compiles (each with its map).
#[derive(Debug, Default)]
pub struct SarifLog {
    results: Vec<Value>,
    rules: BTreeSet<&'static str>,
}

impl SarifLog {
    /// Adds the diagnostics of one compile.
    pub fn add(&mut self, map: &SourceMap, diags: &[Diagnostic]) {
        for d in diags {
            self.rules.insert(d.code);
            self.results.push(result(d, map));
        }
    }

    /// The log as JSON: one run of flaskc, its rules the codes that occurred.
    pub fn finish(self) -> Value {
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|code| json!({ "id": code }))
            .collect();
        json!({
            "$schema": SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": {
                    "name": "flaskc",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }},
                "columnKind": "unicodeCodePoints",
                "results": self.results,
            }],
        })
    }
}

/// One diagnostic as a SARIF result: the primary label is the location, the others are
/// related locations, the notes follow the message.
fn result(d: &Diagnostic, map: &SourceMap) -> Value {
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    };
    let mut text = d.message.clone();
    for n in &d.notes {
        text.push('\n');
        text.push_str(n);
    }
    let mut r = json!({
        "ruleId": d.code,
        "level": level,
        "message": { "text": text },
    });
    if let Some(p) = d.primary_label() {
        r["locations"] = json!([location(p, map)]);
    }
    let related: Vec<Value> = d
        .labels
        .iter()
        .filter(|l| !l.primary)
        .enumerate()
        .map(|(i, l)| {
            let mut loc = location(l, map);
            loc["id"] = json!(i);
            loc
        })
        .collect();
    if !related.is_empty() {
        r["relatedLocations"] = Value::Array(related);
    }
    r
}

/// A label as a SARIF location, at the file and line the user wrote.
fn location(l: &Label, map: &SourceMap) -> Value {
    let (file, line, column) = shown_location(map, l.file, l.span.start);
    let (_, end_line, end_column) = shown_location(map, l.file, l.span.end);
    let mut loc = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(&file) },
            "region": {
                "startLine": line.max(1),
                "startColumn": column.max(1),
                "endLine": end_line.max(line).max(1),
                "endColumn": end_column.max(1),
            },
        },
    });
    if !l.message.is_empty() {
        loc["message"] = json!({ "text": l.message });
    }
    loc
}

/// A path as a URI reference: relative paths stay relative, absolute ones become
/// `file://` URIs; characters a URI cannot hold are percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::new();
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{SourceFile, Span};

    #[test]
    fn a_result_has_its_location_related_labels_and_notes() {
        let mut map = SourceMap::new();
        let f = map.add(SourceFile::new(
            "dir with space/a.te",
            "type a;\nallow a b:c d;\n",
        ));
        let d = Diagnostic::error("undefined-type", "unknown type `b`")
            .primary(f, Span::new(16, 17), "not declared")
            .secondary(f, Span::new(5, 6), "")
            .note("declare it with `type b;`");
        let mut log = SarifLog::default();
        log.add(&map, &[d]);
        let v = log.finish();
        let r = &v["runs"][0]["results"][0];
        assert_eq!(r["level"], "error");
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "dir%20with%20space/a.te");
        assert_eq!(loc["region"]["startLine"], 2);
        assert_eq!(loc["region"]["startColumn"], 9);
        assert_eq!(r["relatedLocations"][0]["id"], 0);
        assert!(r["message"]["text"]
            .as_str()
            .unwrap()
            .ends_with("`type b;`"));
        assert_eq!(
            v["runs"][0]["tool"]["driver"]["rules"][0]["id"],
            "undefined-type"
        );
        assert_eq!(uri("/abs/x y"), "file:///abs/x%20y");
    }
}
