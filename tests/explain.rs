//! `flaskc explain` and `flaskc audit2allow` on the starter policy: the logs of
//! `tests/explain/*.log` with their explanations and proposals as snapshots, the verdicts
//! the starter policy promises, and the round trip: the proposed `.te` text added to a
//! copy of the tree makes every denial of `roundtrip.log` allowed.

mod common;

use common::copy_tree;
use std::path::Path;
use std::process::Command;

/// Runs flaskc; (stdout, stderr, exit code).
fn flaskc(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_flaskc"))
        .args(args)
        .output()
        .expect("flaskc runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// Builds a tree into `dir/xenpolicy`; its path.
fn build(tree: &Path, dir: &Path) -> String {
    let bin = dir.join("xenpolicy").display().to_string();
    let (_, err, code) = flaskc(&["build", &tree.display().to_string(), "-o", &bin]);
    assert_eq!(code, 0, "build failed:\n{err}");
    bin
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn logs_are_explained_and_proposed() {
    let work = tempfile::tempdir().expect("temp dir");
    let bin = build(&root().join("policy"), work.path());
    let src = root().join("policy").display().to_string();
    insta::glob!("explain/*.log", |log| {
        let log = log.display().to_string();
        let mut snap = String::new();
        for sub in ["explain", "audit2allow"] {
            let (out, err, code) = flaskc(&[sub, "--policy", &bin, "--source", &src, &log]);
            snap.push_str(&format!(
                "== flaskc {sub} (exit {code})\n{out}-- stderr\n{err}"
            ));
        }
        let (out, _, _) = flaskc(&["audit2allow", "-D", "--policy", &bin, &log]);
        snap.push_str(&format!("== flaskc audit2allow -D\n{out}"));
        insta::assert_snapshot!(snap);
    });
}

#[test]
fn starter_policy_verdicts() {
    let work = tempfile::tempdir().expect("temp dir");
    let bin = build(&root().join("policy"), work.path());
    let src = root().join("policy").display().to_string();
    let log = root()
        .join("tests/explain/starter.log")
        .display()
        .to_string();
    let (out, _, code) = flaskc(&["explain", "--policy", &bin, "--source", &src, &log]);
    assert_eq!(code, 1, "the log has unreadable lines");
    let block = |head: &str| -> String {
        let start = out.find(head).expect("denial present");
        let rest = &out[start..];
        let end = rest[1..].find("\ndenied").map_or(rest.len(), |i| i + 1);
        rest[..end].to_string()
    };
    let iso = block("denied { send } system_u:system_r:isolated_domU_t");
    assert!(iso.contains("send: no rule allows it"), "{iso}");
    assert!(iso.contains("isolated_domU.te:34: neverallow"), "{iso}");
    let prot = block("denied { create } system_u:system_r:dom0_t -> system_u:system_r:prot_domU_t");
    assert!(prot.contains("`prot_doms_locked`"), "{prot}");
    assert!(
        prot.contains("xl set-flask-bool prot_doms_locked 0"),
        "{prot}"
    );

    let (json, _, _) = flaskc(&["explain", "--json", "--policy", &bin, &log]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(v["denials"][0]["verdicts"][0]["verdict"], "no-rule");
    assert_eq!(
        v["denials"][1]["verdicts"][0]["verdict"],
        "allowed-while-boolean"
    );

    let (json, _, _) = flaskc(&["audit2allow", "--json", "--policy", &bin, &log]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    let first = &v["denials"][0]["proposals"][0];
    assert_eq!(
        first["rule"],
        "allow isolated_domU_t domU_t_evchn:event { send };"
    );
    let booleans = &v["denials"][1]["proposals"][0]["booleans"][0];
    assert_eq!(booleans["name"], "prot_doms_locked");
    assert_eq!(booleans["value"], false);
}

#[test]
fn proposals_make_the_denials_allowed() {
    let work = tempfile::tempdir().expect("temp dir");
    let tree = work.path().join("policy");
    copy_tree(&root().join("policy"), &tree);
    let bin = build(&tree, work.path());
    let src = tree.display().to_string();
    let log = root()
        .join("tests/explain/roundtrip.log")
        .display()
        .to_string();
    let (te, err, code) = flaskc(&["audit2allow", "--policy", &bin, "--source", &src, &log]);
    assert_eq!(code, 0, "{err}");
    assert!(te.contains("domain_comms(domU_t, prot_domU_t)"), "{te}");
    let modules = tree.join("modules");
    std::fs::write(modules.join("local.te"), te).expect("write local.te");
    let conf = std::fs::read_to_string(modules.join("modules.conf")).expect("modules.conf");
    std::fs::write(modules.join("modules.conf"), conf + "local = on\n").expect("write");
    let out_dir = work.path().join("after");
    std::fs::create_dir(&out_dir).expect("out dir");
    let bin = build(&tree, &out_dir);
    let (out, _, _) = flaskc(&["explain", "--policy", &bin, &log]);
    let verdicts: Vec<&str> = out.lines().filter(|l| l.starts_with("  ")).collect();
    assert_eq!(verdicts.len(), 5, "{out}");
    assert!(
        verdicts
            .iter()
            .all(|l| l.ends_with(": allowed by the policy now")),
        "{out}"
    );
}

proptest::proptest! {
    /// What the `explain` fuzz target does, on a few hundred inputs in every test run.
    #[test]
    fn any_log_and_interface_text_is_handled(
        log in "(avc: (denied|granted) \\{ [a-z_ 0-9x]* \\} for [a-z=:_ 0-9.-]*\n|[^\n]*\n){0,4}",
        ifs in "(define\\(`[a-z_]+', `[a-z_$0-9:{} ;\n(),`']*'\\)\n){0,3}",
    ) {
        let policy = flaskc::binary::read(include_bytes!("policies/xen_conditionals.30.bin"))
            .expect("test policy reads");
        let parsed = flaskc::avc::parse(&log);
        let avc_lines = log.lines().filter(|l| l.contains("avc:")).count();
        proptest::prop_assert_eq!(parsed.records.len() + parsed.problems.len(), avc_lines);
        let report = flaskc::explain::explain(&policy.db, &parsed.records, &[]);
        let _ = flaskc::explain::render(&report);
        let ifs = flaskc::explain::propose::Interfaces::parse(&ifs);
        let _ = flaskc::explain::propose::render_te(&policy.db, &report.explanations, Some(&ifs), false);
    }
}

#[test]
fn constraints_are_named() {
    let work = tempfile::tempdir().expect("temp dir");
    let bin = work.path().join("c.bin").display().to_string();
    let conf = root()
        .join("tests/explain/constraint.conf")
        .display()
        .to_string();
    let (_, err, code) = flaskc(&["checkpolicy", "-t", "Xen", "-c", "30", "-o", &bin, &conf]);
    assert_eq!(code, 0, "{err}");
    let log = root()
        .join("tests/explain/constraint.txt")
        .display()
        .to_string();
    let (out, _, _) = flaskc(&["explain", "--policy", &bin, &log]);
    insta::assert_snapshot!(out);
    let (te, _, _) = flaskc(&["audit2allow", "--policy", &bin, &log]);
    assert!(te.contains("forbidden by constraint"), "{te}");
    assert!(!te.contains("allow guest_t"), "{te}");
}
