//! Helpers shared by the integration tests (each test crate uses a part of them).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Every binary policy under `../shared/corpus`, sorted; none when it is absent.
pub fn corpus_binaries() -> Vec<PathBuf> {
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
