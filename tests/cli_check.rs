//! `flaskc check` end to end: exit codes and both message formats.

use std::process::Command;

fn flaskc(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_flaskc"))
        .args(args)
        .output()
        .expect("flaskc runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const GOOD: &str = "class domain\nsid xen\nclass domain { create }\ntype t;\n\
    allow t t : domain create;\nrole r;\nrole r types t;\nuser u roles r;\nsid xen u:r:t\n";

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("writable temp dir");
    path.display().to_string()
}

#[test]
fn clean_policy_exits_zero() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = write(&dir, "good.conf", GOOD);
    let (code, err) = flaskc(&["check", "-t", "xen", &good]);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "{err}");
}

#[test]
fn syntax_errors_exit_one_in_both_formats() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = write(&dir, "bad.conf", &GOOD.replace("type t;", "type t"));
    let good = write(&dir, "good.conf", GOOD);
    let (code, err) = flaskc(&["check", &good, &bad]);
    assert_eq!(code, 1);
    assert!(
        err.contains("error[syntax-error]: unexpected `allow`"),
        "{err}"
    );
    let (code, err) = flaskc(&["check", "--message-format", "json", &bad]);
    assert_eq!(code, 1);
    let first = err.lines().next().expect("one json line");
    let v: serde_json::Value = serde_json::from_str(first).expect("json");
    assert_eq!(v["code"], "syntax-error");
    assert_eq!(v["line"], 5);
    assert_eq!(v["column"], 1);
}

#[test]
fn usage_errors_exit_two() {
    assert_eq!(flaskc(&["check", "--no-such-flag", "x.conf"]).0, 2);
    assert_eq!(flaskc(&["check"]).0, 2);
    assert_eq!(flaskc(&["check", "/nonexistent/policy.conf"]).0, 2);
}
