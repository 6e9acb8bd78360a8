//! `flaskc checkpolicy` as a process: checkpolicy's flags, `-b` re-writing and dumping,
//! and failures that leave no output behind.

mod common;
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
        common::skip(&format!("{} is absent", p.display()));
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
    // The same policy; only the avtab order changes, as with checkpolicy -b.
    let ours = flaskc::binary::read(&std::fs::read(&out).unwrap()).unwrap();
    let orig = flaskc::binary::read(&std::fs::read(&bin).unwrap()).unwrap();
    let mut reloaded = orig.db.clone();
    flaskc::binary::reload_as_libsepol(&mut reloaded, orig.version);
    // How libsepol hashed the roles decides their order in the file, not the policy.
    reloaded.hashed_roles = None;
    assert!(ours.db == reloaded);
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
fn mls_flag_must_match_the_binary() {
    let Some(bin) = corpus("xen/4.22.0/nomls/policy.30.bin") else {
        return;
    };
    let res = flaskc()
        .args(["-b", "-M", "-F", "-o", "-"])
        .arg(&bin)
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(1));
    assert!(String::from_utf8(res.stderr)
        .unwrap()
        .contains("non-MLS policy, but MLS is specified"));
}

/// Differential: `-b -c N` re-writes exactly as checkpolicy 3.4 does (where it is
/// installed), for Xen at both versions and for SELinux policies at every version
/// checkpolicy accepts, old avtab format included.
#[test]
fn rewrite_matches_installed_checkpolicy() {
    if Command::new("checkpolicy").arg("-V").output().is_err() {
        common::skip("checkpolicy is not installed");
        return;
    }
    let cases: [(&str, &[&str]); 3] = [
        ("xen/4.22.0/nomls/policy.30.bin", &["24", "30"]),
        (
            "selinux-tests/policy_minimal/policy.33.bin",
            &["15", "16", "19", "20", "24", "33"],
        ),
        (
            "selinux-tests/policy_allonce/policy.33.bin",
            &["30", "31", "32", "33"],
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (rel, versions) in cases {
        let Some(bin) = corpus(rel) else { continue };
        for version in versions {
            let theirs = dir.path().join("theirs");
            let ran = Command::new("checkpolicy")
                .args(["-b", "-c", version])
                .arg(&bin)
                .arg("-o")
                .arg(&theirs)
                .output()
                .unwrap();
            assert!(
                ran.status.success(),
                "checkpolicy failed on {rel} at V{version}"
            );
            let ours = dir.path().join("ours");
            let st = flaskc()
                .args(["-b", "-c", version])
                .arg(&bin)
                .arg("-o")
                .arg(&ours)
                .status()
                .unwrap();
            assert!(st.success());
            let same = std::fs::read(&ours).unwrap() == std::fs::read(&theirs).unwrap();
            assert!(
                same,
                "{rel} re-written at V{version} differs from checkpolicy"
            );
        }
    }
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
