//! The project's own small policies under `tests/policies/` compile to exactly the bytes
//! checkpolicy 3.4 wrote for them (the `.N.bin` golden files beside each `.conf`, made
//! with `checkpolicy -t Xen -c N [-M]`, or without `-t` for `selinux_*`), the same bytes
//! in every run and every process, and read back to the same database.

use flaskc::binary::{self, WriteOptions};
use flaskc::policydb::{HandleUnknown, PolicyDb, Target};
use flaskc::source::{SourceFile, SourceMap};
use flaskc::{diag, sema, syntax};
use std::path::{Path, PathBuf};
use std::process::Command;

fn policies() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/policies");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/policies")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .collect();
    v.sort();
    v
}

/// The options a test policy is compiled with, from its name.
fn options(path: &Path) -> (sema::Options, Vec<u32>) {
    let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let selinux = name.starts_with("selinux");
    let opts = sema::Options {
        target: if selinux {
            Target::Selinux
        } else {
            Target::Xen
        },
        mls: name.ends_with("mls"),
        handle_unknown: HandleUnknown::Deny,
    };
    (opts, if selinux { vec![30, 33] } else { vec![24, 30] })
}

fn compile(path: &Path, opts: &sema::Options) -> PolicyDb {
    let text = std::fs::read_to_string(path).expect("readable policy");
    let mut map = SourceMap::new();
    let file = map.add(SourceFile::new(path.display().to_string(), text));
    let (ast, errors) = syntax::parse(&mut map, file);
    assert!(errors.is_empty(), "{}", diag::render(&errors, &map));
    let lowered = sema::lower(&ast, file, opts);
    let errors: Vec<_> = lowered
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    lowered
        .db
        .unwrap_or_else(|| panic!("{}", diag::render(&errors, &map)))
}

#[test]
fn test_policies_match_checkpolicys_binaries() {
    for path in policies() {
        let (opts, versions) = options(&path);
        let db = compile(&path, &opts);
        for v in versions {
            let golden = path.with_extension(format!("{v}.bin"));
            let want = std::fs::read(&golden).expect("golden binary");
            let got = binary::write(&db, &WriteOptions { version: v }).expect("writable");
            assert!(
                got == want,
                "{} at version {v} differs from checkpolicy's",
                path.display()
            );
        }
    }
}

#[test]
fn compiled_policies_read_back_equal() {
    for path in policies() {
        let (opts, versions) = options(&path);
        let mut db = compile(&path, &opts);
        let v = *versions.last().expect("a version");
        let bytes = binary::write(&db, &WriteOptions { version: v }).expect("writable");
        let mut back = binary::read(&bytes).expect("readable").db;
        // Lists whose file order is a hash order come back sorted; role attributes have no
        // record in the file.
        db.canonicalize();
        back.canonicalize();
        for (r, b) in db.roles.iter_mut().zip(&back.roles) {
            if b.is_none() {
                *r = None;
            }
        }
        assert!(db == back, "{} does not read back equal", path.display());
    }
}

#[test]
fn the_same_sources_give_the_same_bytes_in_one_process() {
    for path in policies() {
        let (opts, versions) = options(&path);
        let v = versions[1];
        let a = binary::write(&compile(&path, &opts), &WriteOptions { version: v });
        let b = binary::write(&compile(&path, &opts), &WriteOptions { version: v });
        assert_eq!(
            a.expect("writable"),
            b.expect("writable"),
            "{}",
            path.display()
        );
    }
}

#[test]
fn the_same_sources_give_the_same_bytes_in_two_processes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join("policy");
    let mut outputs = Vec::new();
    for run in 0..2 {
        let out = dir.path().join(format!("xenpolicy.{run}"));
        let status = Command::new(env!("CARGO_BIN_EXE_flaskc"))
            .arg("build")
            .arg(&policy)
            .arg("-o")
            .arg(&out)
            .status()
            .expect("flaskc runs");
        assert!(status.success());
        outputs.push(std::fs::read(&out).expect("written"));
    }
    assert_eq!(outputs[0], outputs[1]);
}
