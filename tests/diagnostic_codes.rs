//! The registry of diagnostic codes (`src/diag/codes.rs`) against the rest of the tree:
//! `docs/diagnostics.md` is generated from it (`BLESS=1` rewrites it), every code the
//! sources use is registered, and every registered reproducer has a snapshot showing its
//! code.

use flaskc::diag::codes::{self, Reproducer};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn docs_diagnostics_md_is_generated_from_the_registry() {
    let path = root().join("docs/diagnostics.md");
    let want = codes::markdown();
    if std::env::var_os("BLESS").is_some() || std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &want).expect("write docs/diagnostics.md");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/diagnostics.md is out of date: run `BLESS=1 cargo test --release --test diagnostic_codes`"
    );
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir)
        .expect("readable source dir")
        .flatten()
    {
        let p = entry.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// String literals that look like codes (`word-word`, or any literal handed straight to
/// `Diagnostic::error`/`warning`) but are flags, tokens or test data.
const NOT_CODES: &[&str] = &[
    // Policy-language tokens and m4 test texts.
    "low-high",
    "a-b",
    "a-z",
    "c-a",
    "sub-expression",
    // Command-line flags.
    "allow-shell",
    "fatal-warnings",
    "nesting-limit",
    "prefix-builtins",
    "message-format",
    "policy-version",
    "exit-code",
    // `flaskc explain` verdict kinds (JSON fields, not diagnostics).
    "unknown-permission",
    "allowed-while-boolean",
    "needs-boolean",
    "no-rule",
];

/// The code-like string literals of a source text.
fn code_literals(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (i, _) in text.match_indices('"') {
        let rest = &text[i + 1..];
        let Some(end) = rest.find('"') else { break };
        let lit = &rest[..end];
        let kebab = lit.contains('-')
            && lit.split('-').all(|w| {
                !w.is_empty()
                    && w.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            })
            && lit.starts_with(|c: char| c.is_ascii_lowercase());
        let before = &text[..i];
        let direct =
            before.ends_with("Diagnostic::error(") || before.ends_with("Diagnostic::warning(");
        if (kebab || direct) && !NOT_CODES.contains(&lit) {
            found.insert(lit.to_string());
        }
    }
    found
}

#[test]
fn every_code_in_the_sources_is_registered() {
    let mut files = Vec::new();
    sources(&root().join("src"), &mut files);
    let mut missing = Vec::new();
    for f in files {
        if f.ends_with("diag/codes.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&f).expect("readable source");
        // Test modules hold made-up diagnostics.
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        for lit in code_literals(text) {
            if codes::lookup(&lit).is_none() {
                missing.push(format!("{}: `{lit}`", f.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "codes missing from src/diag/codes.rs:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_reproducer_has_a_snapshot_showing_its_code() {
    let mut snaps = Vec::new();
    for entry in std::fs::read_dir(root().join("tests/snapshots"))
        .expect("snapshots")
        .flatten()
    {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        snaps.push(text);
    }
    let mut bad = Vec::new();
    for c in codes::CODES {
        let Reproducer::Test(path) = c.reproducer else {
            continue;
        };
        assert!(root().join(path).is_file(), "{}: no file {path}", c.name);
        let input = format!("input_file: {path}\n");
        let shown = format!("[{}]", c.name);
        let ok = snaps
            .iter()
            .any(|s| s.contains(&input) && s.contains(&shown));
        if !ok {
            bad.push(format!("{}: {path}", c.name));
        }
    }
    assert!(
        bad.is_empty(),
        "reproducers whose snapshot does not show the code:\n{}",
        bad.join("\n")
    );
}

#[test]
fn explain_code_prints_the_entry() {
    let bin = env!("CARGO_BIN_EXE_flaskc");
    let out = std::process::Command::new(bin)
        .args(["explain-code", "error[undefined-type]"])
        .output()
        .expect("flaskc runs");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("undefined-type: a type or attribute is not declared\n"),
        "{text}"
    );
    let out = std::process::Command::new(bin)
        .args(["explain-code", "undefined-tyep"])
        .output()
        .expect("flaskc runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `undefined-type`?"));
}
