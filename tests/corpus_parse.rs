//! Parses every policy.conf of the conformance corpus (`../shared/corpus`).
//!
//! Accepted cases must parse without diagnostics and survive a print/parse round trip;
//! cases checkpolicy rejects with "syntax error" must give an error at one of the lines the
//! case names; cases rejected for other reasons must parse cleanly. Skips (and says so)
//! when the corpus is absent.

mod common;

use flaskc::diag::Diagnostic;
use flaskc::source::{FileId, SourceFile, SourceMap};
use flaskc::syntax::{self, ast};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.join("manifest.json").is_file() {
        Some(dir)
    } else {
        common::skip(&format!("no corpus at {}", dir.display()));
        None
    }
}

fn parse_file(path: &Path) -> (SourceMap, FileId, ast::Policy, Vec<Diagnostic>) {
    let text = std::fs::read_to_string(path).expect("corpus files are UTF-8 text");
    let mut map = SourceMap::new();
    let file = map.add(SourceFile::new(path.display().to_string(), text));
    let (policy, diags) = syntax::parse(&mut map, file);
    (map, file, policy, diags)
}

fn round_trip(policy: &ast::Policy, what: &str) {
    let printed = syntax::print(policy);
    let mut map = SourceMap::new();
    let file = map.add(SourceFile::new("printed.conf", printed.clone()));
    let (again, diags) = syntax::parse(&mut map, file);
    assert!(
        diags.is_empty(),
        "{what}: printed text does not parse:\n{}",
        flaskc::diag::render(&diags, &map)
    );
    assert!(
        ast::debug_without_spans(policy) == ast::debug_without_spans(&again),
        "{what}: round trip changed the tree"
    );
}

/// The compile cases of the manifest, by input file.
fn cases(dir: &Path) -> BTreeMap<String, Vec<Value>> {
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("readable manifest");
    let manifest: Value = serde_json::from_str(&text).expect("manifest is JSON");
    let mut by_input: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for case in manifest["compile"].as_array().into_iter().flatten() {
        if let Some(input) = case["input"].as_str() {
            by_input
                .entry(input.to_string())
                .or_default()
                .push(case.clone());
        }
    }
    by_input
}

fn numbers(v: &Value) -> Vec<u64> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .collect()
}

/// Whether a diagnostic's primary location is one of the lines the case names.
fn at_expected_line(d: &Diagnostic, map: &SourceMap, case: &Value) -> bool {
    let Some(label) = d.primary_label() else {
        return false;
    };
    let loc = map.file(label.file).location(label.span.start as usize);
    if numbers(&case["conf_lines"]).contains(&u64::from(loc.line)) {
        return true;
    }
    let source = &case["source"];
    match (loc.origin, source["file"].as_str()) {
        (Some((file, line)), Some(want)) => {
            file == want && numbers(&source["lines"]).contains(&u64::from(line))
        }
        _ => false,
    }
}

#[test]
fn corpus_policies_parse_as_checkpolicy_does() {
    let Some(dir) = corpus() else { return };
    let by_input = cases(&dir);
    assert!(!by_input.is_empty(), "the manifest lists compile cases");
    for (input, cases) in &by_input {
        let (map, _, policy, diags) = parse_file(&dir.join(input));
        let syntax_case = cases
            .iter()
            .find(|c| c["expect"] == "reject" && c["message"].as_str() == Some("syntax error"));
        match syntax_case {
            Some(case) => {
                assert!(
                    diags
                        .iter()
                        .any(|d| d.is_error() && at_expected_line(d, &map, case)),
                    "{input}: no error at lines {} / {}:\n{}",
                    case["conf_lines"],
                    case["source"],
                    flaskc::diag::render(&diags, &map)
                );
            }
            None => {
                assert!(
                    diags.is_empty(),
                    "{input}: unexpected diagnostics:\n{}",
                    flaskc::diag::render(&diags, &map)
                );
                round_trip(&policy, input);
            }
        }
    }
}

#[test]
fn every_corpus_policy_conf_parses_without_panicking() {
    let Some(dir) = corpus() else { return };
    let mut stack = vec![dir];
    let mut n = 0;
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)
            .expect("readable corpus directory")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|f| f == "policy.conf") {
                let _ = parse_file(&path);
                n += 1;
            }
        }
    }
    assert!(n > 0, "the corpus has policy.conf files");
}
