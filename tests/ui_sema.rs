//! Snapshot tests of semantic diagnostics: every `tests/ui/sema/*.conf` (a policy
//! checkpolicy also rejects) is parsed cleanly, lowered, and its rendered diagnostics
//! compared with `tests/snapshots/`. Files named `mls-*` are compiled with MLS. Update with
//! `INSTA_UPDATE=always` after checking the new output.

use flaskc::policydb::{HandleUnknown, Target};
use flaskc::source::{SourceFile, SourceMap};
use flaskc::{diag, sema, syntax};

#[test]
fn semantic_error_snapshots() {
    insta::glob!("ui/sema/*.conf", |path| {
        let text = std::fs::read_to_string(path).expect("readable test input");
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mls = name.starts_with("mls-");
        let mut map = SourceMap::new();
        let file = map.add(SourceFile::new(name, text));
        let (ast, parse_errors) = syntax::parse(&mut map, file);
        assert!(
            parse_errors.is_empty(),
            "{}",
            diag::render(&parse_errors, &map)
        );
        let opts = sema::Options {
            target: Target::Xen,
            mls,
            handle_unknown: HandleUnknown::Deny,
        };
        let lowered = sema::lower(&ast, file, &opts);
        assert!(lowered.db.is_none(), "every ui case is rejected");
        insta::assert_snapshot!(diag::render(&lowered.diagnostics, &map));
    });
}

/// A policy.conf read from a regular file drops its text once parsed, and reads it again
/// to show what lowering found: every case renders exactly as from standard input, which
/// keeps its text, with and without `#line` directives.
#[test]
fn diagnostics_after_the_text_is_dropped_render_as_from_standard_input() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut cases = 0;
    for entry in std::fs::read_dir("tests/ui/sema").expect("ui cases") {
        let path = entry.expect("ui case").path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if path.extension().is_none_or(|e| e != "conf") || name.starts_with("mls-") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable test input");
        for (i, text) in [text.clone(), format!("#line 7 \"orig.te\"\n{text}")]
            .iter()
            .enumerate()
        {
            let file = dir.path().join(format!("{i}-{name}"));
            std::fs::write(&file, text).expect("written");
            let run = |input: &str, stdin: Option<&str>| {
                let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_flaskc"));
                cmd.args(["checkpolicy", "-t", "xen", "-o", "-", input])
                    .current_dir(dir.path())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .stdin(std::process::Stdio::piped());
                let mut child = cmd.spawn().expect("flaskc runs");
                if let (Some(s), Some(mut w)) = (stdin, child.stdin.take()) {
                    std::io::Write::write_all(&mut w, s.as_bytes()).expect("stdin written");
                }
                let out = child.wait_with_output().expect("flaskc ends");
                String::from_utf8_lossy(&out.stderr).into_owned()
            };
            let shown = format!("{i}-{name}");
            let from_file = run(&shown, None);
            let from_stdin = run("-", Some(text)).replace("standard input", &shown);
            assert!(from_file.contains("error["), "{shown}: {from_file}");
            assert_eq!(from_file, from_stdin, "{shown}");
            cases += 1;
        }
    }
    assert!(cases > 10, "only {cases} cases");
}
