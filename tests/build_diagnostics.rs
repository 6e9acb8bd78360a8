//! `flaskc build` on broken copies of the starter policy: each `tests/diagnostics/*.case`
//! names a file of `policy/` and a line to replace (`line N`), text to `append`, or a
//! file to `create`; optional first lines `args ARGS` (extra flags for `flaskc build`)
//! and `exit N` (default 1). A build that fails must leave no output; the diagnostics,
//! at the original files and lines, are kept as snapshots.

mod common;

use std::path::Path;
use std::process::Command;

/// How a case is built: extra arguments and the exit code expected.
struct Run {
    args: Vec<String>,
    exit: i32,
}

/// Applies a case to the tree in `dir`.
fn apply(case: &str, dir: &Path) -> Run {
    let mut lines = case.lines().filter(|l| !l.starts_with('#')).peekable();
    let mut run = Run {
        args: Vec::new(),
        exit: 1,
    };
    while let Some(l) = lines.next_if(|l| !l.starts_with("file ")) {
        if let Some(a) = l.strip_prefix("args ") {
            run.args = a.split_whitespace().map(String::from).collect();
        } else if let Some(n) = l.strip_prefix("exit ") {
            run.exit = n.parse().expect("`exit N`");
        } else {
            panic!("unknown case directive `{l}`");
        }
    }
    let file = lines
        .next()
        .and_then(|l| l.strip_prefix("file "))
        .expect("a `file PATH` line");
    let how = lines.next().expect("`line N`, `append` or `create`");
    let text: Vec<&str> = lines.collect();
    let path = dir.join(file);
    if how == "create" {
        std::fs::write(&path, text.join("\n") + "\n").expect("write case file");
        return run;
    }
    let old = std::fs::read_to_string(&path).expect("case file exists");
    let new = if how == "append" {
        format!("{old}{}\n", text.join("\n"))
    } else {
        let n: usize = how
            .strip_prefix("line ")
            .and_then(|n| n.parse().ok())
            .expect("`line N`");
        let mut all: Vec<&str> = old.lines().collect();
        all.splice(n - 1..n, text);
        all.join("\n") + "\n"
    };
    std::fs::write(&path, new).expect("write case file");
    run
}

#[test]
fn broken_trees_are_reported_at_their_source_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    insta::glob!("diagnostics/*.case", |case_path| {
        let case = std::fs::read_to_string(case_path).expect("readable case");
        let work = tempfile::tempdir().expect("temp dir");
        let tree = work.path().join("policy");
        common::copy_tree(&root.join("policy"), &tree);
        let run = apply(&case, &tree);
        let out_dir = work.path().join("out");
        std::fs::create_dir(&out_dir).expect("out dir");
        let out = Command::new(env!("CARGO_BIN_EXE_flaskc"))
            .arg("build")
            .arg(&tree)
            .arg("-o")
            .arg(out_dir.join("xenpolicy"))
            .args(&run.args)
            .output()
            .expect("flaskc runs");
        let stderr_text = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(run.exit), "{stderr_text}");
        let left: Vec<_> = std::fs::read_dir(&out_dir).expect("out dir").collect();
        assert_eq!(left.is_empty(), run.exit != 0, "output only on success");
        let stderr =
            String::from_utf8_lossy(&out.stderr).replace(&tree.display().to_string(), "POLICY");
        insta::assert_snapshot!(stderr);
    });
}

#[test]
fn the_starter_policy_builds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().expect("temp dir");
    for mls in [false, true] {
        let out = work.path().join(if mls { "mls" } else { "plain" });
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_flaskc"));
        cmd.arg("build")
            .arg(root.join("policy"))
            .arg("-o")
            .arg(&out);
        if mls {
            cmd.arg("--mls");
        }
        let run = cmd.output().expect("flaskc runs");
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let bytes = std::fs::read(&out).expect("policy written");
        let db = flaskc::binary::read(&bytes)
            .expect("the policy reads back")
            .db;
        assert_eq!(db.mls, mls);
        assert!(flaskc::binary::xen_loader_check(&db, 30).is_empty());
    }
}
