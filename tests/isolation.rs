//! Isolation analysis end to end: the bundled policy meets the goals its flaskc.toml
//! states, a copy with one extra interface call fails with the offending path, and
//! `flaskc flows` answers as setools' Python API does on Xen 4.22 with policy/xen.perm_map.

mod common;

use std::path::Path;
use std::process::Command;

fn flaskc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_flaskc"))
}

#[test]
fn bundled_policy_meets_its_isolation_goals() {
    let out = flaskc().args(["check", "policy"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_extra_interface_call_breaks_a_goal_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("policy");
    common::copy_tree(Path::new("policy"), &tree);
    let te = tree.join("modules/isolated_domU.te");
    let mut text = std::fs::read_to_string(&te).unwrap();
    // Introspection reads the isolated guest's memory, and shares xenstore with guests.
    text.push_str("inspect_domain(introspection_t, isolated_domU_t)\n");
    std::fs::write(&te, text).unwrap();
    let out = flaskc()
        .arg("build")
        .arg(&tree)
        .arg("-o")
        .arg(dir.path().join("out.bin"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!dir.path().join("out.bin").exists());
    assert!(stderr.contains("error[isolation-violated]: isolation goal of `isolated_domU_t` broken: information flows from `isolated_domU_t` to `domU_t`"), "{stderr}");
    assert!(
        stderr.contains(
            "path: isolated_domU_t -> introspection_t -> xenstore_client_evchn -> domU_t"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("allow introspection_t isolated_domU_t:mmu { map_read pageinfo stat };"),
        "{stderr}"
    );
    // Each rule at its statement, and the interface call that wrote it.
    assert!(
        stderr.contains("219 │ allow $1 $2:mmu { map_read stat pageinfo };"),
        "{stderr}"
    );
    assert!(
        stderr.contains("in expansion of macro `inspect_domain` called at "),
        "{stderr}"
    );
    assert!(
        stderr.contains("/policy/modules/isolated_domU.te:"),
        "{stderr}"
    );
}

#[test]
fn flows_match_setools_on_xen_4_22() {
    let policy = Path::new("../shared/corpus/xen/4.22.0/nomls/policy.30.bin");
    let python = Path::new("/usr/bin/python3");
    let usable = policy.exists()
        && python.exists()
        && Command::new(python)
            .args(["-c", "import setools"])
            .status()
            .is_ok_and(|s| s.success());
    if !usable {
        assert!(
            std::env::var("FLASKC_REQUIRE_ORACLES").as_deref() != Ok("1"),
            "setools (/usr/bin/python3 -c 'import setools') or the corpus is missing and FLASKC_REQUIRE_ORACLES=1"
        );
        eprintln!("SKIPPED flows_match_setools_on_xen_4_22: needs setools for /usr/bin/python3 and ../shared/corpus");
        return;
    }
    let out = Command::new(python)
        .arg("tests/analysis/setools_compare.py")
        .arg(env!("CARGO_BIN_EXE_flaskc"))
        .arg(policy)
        .arg("policy/xen.perm_map")
        .arg("flows")
        .arg("1000")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1000 pairs"), "{stdout}");
}

#[test]
fn flows_and_transitions_print_json_and_dot() {
    let policy = "../shared/corpus/xen/4.22.0/nomls/policy.30.bin";
    if !Path::new(policy).exists() {
        eprintln!("SKIPPED flows_and_transitions_print_json_and_dot: no ../shared/corpus");
        return;
    }
    let run = |args: &[&str]| {
        let out = flaskc().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let json = run(&["flows", policy, "-s", "domU_t", "-t", "dom0_t", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0][0]["from"], "domU_t");
    assert_eq!(v[0][0]["to"], "dom0_t");
    let dot = run(&["transitions", policy, "--dot"]);
    assert!(
        dot.contains(
            "\"nomigrate_t_building\" -> \"nomigrate_t\" [label=\"transition, relabel by\"];"
        ),
        "{dot}"
    );
    let text = run(&["transitions", policy, "-s", "dom0_t", "-t", "nomigrate_t"]);
    assert!(
        text.starts_with("dom0_t -> nomigrate_t_building\n  create:\n"),
        "{text}"
    );
}

#[test]
fn flows_on_a_tree_show_where_each_rule_was_written() {
    let out = flaskc()
        .args(["flows", "policy", "-s", "domU_t", "-t", "dom0_t"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.starts_with("Flow 1 (1 steps):\n  domU_t -> dom0_t (weight 10)\n"),
        "{text}"
    );
    assert!(
        text.contains("\n          at policy/modules/xen.if:"),
        "{text}"
    );
}
