//! Helpers shared by the integration tests (each test crate uses a part of them).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Says loudly that a test could not run for want of an oracle (checkpolicy, GNU m4,
/// setools, `../shared`); with `FLASKC_REQUIRE_ORACLES=1` (as CI sets it) that is a
/// failure instead.
pub fn skip(reason: &str) {
    if std::env::var_os("FLASKC_REQUIRE_ORACLES").is_some_and(|v| v == "1") {
        panic!("FLASKC_REQUIRE_ORACLES=1, but {reason}");
    }
    eprintln!("SKIPPED: {reason}");
}

/// Every binary policy under `../shared/corpus`, sorted; none when it is absent.
fn all_corpus_binaries() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "bin") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
        &mut out,
    );
    out.sort();
    if out.is_empty() {
        skip("../shared/corpus has no binaries");
    }
    out
}

/// Whether the reference read a corpus binary: it has `checkpolicy -b -F`'s dump beside
/// it. checkpolicy writes some binaries that libsepol then refuses to read (an empty
/// avtab), and those have none.
fn reference_reads(bin: &Path) -> bool {
    let name = bin.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    bin.with_file_name(name.replace(".bin", ".dump.conf"))
        .exists()
}

/// The corpus binaries the reference reads, sorted; none when the corpus is absent.
pub fn corpus_binaries() -> Vec<PathBuf> {
    let mut out = all_corpus_binaries();
    out.retain(|b| reference_reads(b));
    out
}

/// The corpus binaries the reference refuses to read back.
pub fn corpus_binaries_refused() -> Vec<PathBuf> {
    let mut out = all_corpus_binaries();
    out.retain(|b| !reference_reads(b));
    out
}

/// Copies a directory tree.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// Builds the starter policy (`policy/`) with the `flaskc` binary into `dir/xenpolicy`.
pub fn build_starter(dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = dir.join("xenpolicy");
    let built = std::process::Command::new(env!("CARGO_BIN_EXE_flaskc"))
        .current_dir(root)
        .args(["build", "policy", "-o"])
        .arg(&bin)
        .status()
        .expect("flaskc runs");
    assert!(built.success(), "the starter policy builds");
    bin
}

/// Drops the isolation goals from a copied tree's `flaskc.toml`, for tests that add
/// rules breaking them on purpose (the goals are tested in tests/isolation.rs).
pub fn without_isolation_goals(tree: &Path) {
    let toml = tree.join("flaskc.toml");
    if let Ok(text) = std::fs::read_to_string(&toml) {
        let kept = text
            .split("\n[[isolation]]")
            .next()
            .unwrap_or("")
            .to_string();
        std::fs::write(&toml, kept + "\n").expect("write flaskc.toml");
    }
}
