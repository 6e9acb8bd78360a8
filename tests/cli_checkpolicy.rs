//! `flaskc checkpolicy` as a process: checkpolicy's flags, `-b` re-writing and dumping,
//! and failures that leave no output behind.

use std::path::Path;
use std::process::Command;

fn flaskc() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_flaskc"));
    c.arg("checkpolicy");
    c
}

fn corpus(rel: &str) -> Option<std::path::PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        println!("skipped: {} is absent", p.display());
        None
    }
}

#[test]
fn version_line_is_what_xen_parses() {
    let out = flaskc().arg("-V").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "33 (compatibility range 33-15)\n"
    );
}

#[test]
fn bad_flag_values_are_usage_errors() {
    let out = flaskc().args(["-U", "sometimes", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = flaskc().args(["-t", "XEN", "-F", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "-F needs -b");
}

#[test]
fn binary_is_rewritten_and_dumped() {
    let Some(bin) = corpus("xen/4.22.0/nomls/policy.30.bin") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.bin");
    let st = flaskc()
        .arg("-b")
        .arg(&bin)
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&bin).unwrap());
    let st = flaskc()
        .args(["-b", "-c", "24"])
        .arg(&bin)
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    let v24 = bin.with_file_name("policy.24.bin");
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(v24).unwrap());
    let conf = flaskc()
        .args(["-b", "-F", "-o", "-"])
        .arg(&bin)
        .output()
        .unwrap();
    assert!(conf.status.success());
    let want = std::fs::read(bin.with_file_name("policy.30.dump.conf")).unwrap();
    assert_eq!(conf.stdout, want);
}

#[test]
fn failures_leave_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.bin");
    std::fs::write(&bad, b"not a policy").unwrap();
    let out = dir.path().join("out");
    let res = flaskc()
        .arg("-b")
        .arg(&bad)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(1));
    let stderr = String::from_utf8(res.stderr).unwrap();
    assert!(stderr.contains("bad magic"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("bad.bin")]);
}

#[test]
fn unwritable_version_fails_cleanly() {
    let Some(bin) = corpus("xen/4.22.0/nomls/policy.30.bin") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.bin");
    let res = flaskc()
        .args(["-b", "-c", "33"])
        .arg(&bin)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(1));
    assert!(String::from_utf8(res.stderr)
        .unwrap()
        .contains("versions 24 and 30"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
