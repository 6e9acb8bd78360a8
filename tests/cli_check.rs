//! `flaskc check` end to end: exit codes and the message formats.

use std::process::Command;

/// The exit code, standard output and standard error of a run.
fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_flaskc"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("flaskc runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn flaskc(args: &[&str]) -> (i32, String) {
    let (code, _, err) = run(args);
    (code, err)
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
    let (code, out, _) = run(&["check", "--message-format", "json", &bad]);
    assert_eq!(code, 1);
    let first = out.lines().next().expect("one json line");
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

#[test]
fn github_commands_and_sarif_go_to_standard_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = write(&dir, "bad.conf", &GOOD.replace("allow t t", "allow t u"));
    let (code, out, err) = run(&["check", "-t", "xen", "--message-format", "github", &bad]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.starts_with(&format!("::error file={bad},line=5,col=9,")),
        "{out}"
    );
    let (code, out, _) = run(&["check", "-t", "xen", "--message-format", "sarif", &bad]);
    assert_eq!(code, 1);
    let log: serde_json::Value = serde_json::from_str(&out).expect("one SARIF log");
    assert_eq!(log["version"], "2.1.0");
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "undefined-type");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        5
    );
}

#[test]
fn colour_follows_the_flag_and_quiet_drops_warnings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = write(&dir, "bad.conf", &GOOD.replace("allow t t", "allow t u"));
    let (_, _, err) = run(&["check", "-t", "xen", "--color", "always", &bad]);
    assert!(err.contains("\x1b["), "{err}");
    let (_, _, err) = run(&["check", "-t", "xen", "--color", "never", &bad]);
    assert!(!err.contains('\x1b'), "{err}");
    // A policy with only a warning: nothing printed with --quiet.
    let warn = write(
        &dir,
        "warn.conf",
        &GOOD.replace(
            "allow t t : domain create;",
            "allow t t : domain create;\ndontaudit t t : domain ~create;",
        ),
    );
    let (code, _, loud) = run(&["check", "-t", "xen", &warn]);
    assert!(loud.contains("warning[dontaudit-complement]"), "{loud}");
    let (quiet_code, _, quiet) = run(&["check", "-t", "xen", "-q", &warn]);
    assert_eq!((code, quiet_code), (0, 0));
    assert!(quiet.is_empty(), "{quiet}");
}

#[test]
fn verbose_prints_stage_timings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = write(&dir, "good.conf", GOOD);
    let (code, _, err) = run(&["check", "-t", "xen", "-v", &good]);
    assert_eq!(code, 0);
    assert!(
        err.contains("parse ") && err.contains("sema ") && err.contains(" ms"),
        "{err}"
    );
}
