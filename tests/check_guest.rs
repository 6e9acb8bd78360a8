//! `flaskc check-guest` on the xl configs of `tests/guests/` against the starter policy:
//! bad labels are reported at their config lines and the rights between the started
//! domains are listed (snapshot); each code has a config of `tests/guests/codes/`
//! whose report is a snapshot; each reason `xl create` would fail has a config under
//! `tests/guests/refused/` whose check exits 1 naming it; constraints and boolean states
//! change the answers; JSON and standard input.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `flaskc check-guest` in the repository with these arguments.
fn check_guest(args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_flaskc"))
        .current_dir(root())
        .arg("check-guest")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("flaskc runs");
    let mut input = child.stdin.take().expect("stdin");
    input
        .write_all(stdin.unwrap_or("").as_bytes())
        .expect("write stdin");
    drop(input);
    child.wait_with_output().expect("flaskc ends")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The `.cfg` files of a directory of `tests/guests`, sorted, relative to the repository.
fn configs(dir: &str) -> Vec<String> {
    let mut cfgs: Vec<String> = std::fs::read_dir(root().join(dir))
        .expect("config dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".cfg"))
        .map(|n| format!("{dir}/{n}"))
        .collect();
    cfgs.sort();
    cfgs
}

#[test]
fn guest_configs_are_checked() {
    let work = tempfile::tempdir().expect("temp dir");
    let bin = common::build_starter(work.path()).display().to_string();
    let mut args = vec!["--policy".to_string(), bin];
    args.extend(configs("tests/guests"));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = check_guest(&args, None);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr
        .contains("broken.cfg:2: error[unknown-type]: seclabel: no type `web_t` in the policy"));
    assert!(stderr
        .contains("broken.cfg:3: error[role-not-authorized]: init_seclabel: user `system_u` may not take role `object_r`"));
    insta::assert_snapshot!(format!("{}-- stderr\n{stderr}", text(&out.stdout)));
}

/// One config per check-guest code under `tests/guests/codes/` (named for its code), each
/// checked alone against the starter policy: the reason, at its config line, is the
/// snapshot.
#[test]
fn each_code_has_a_snapshot() {
    let work = tempfile::tempdir().expect("temp dir");
    let bin = common::build_starter(work.path()).display().to_string();
    insta::glob!("guests/codes/*.cfg", |path| {
        let cfg = path
            .strip_prefix(root())
            .expect("a config of the repository")
            .display()
            .to_string();
        let out = check_guest(&["--policy", &bin, &cfg], None);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{cfg}: {stderr}");
        let code = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        let shown = format!("error[{}]", code.unwrap_or_default());
        assert!(stderr.contains(&shown), "{cfg}: {stderr}");
        insta::assert_snapshot!(stderr);
    });
}

/// Each config of `tests/guests/refused` fails for the reason its name says, and is the
/// only config reported; those of `tests/guests/started` start.
#[test]
fn each_refusal_is_named() {
    let work = tempfile::tempdir().expect("temp dir");
    let bin = common::build_starter(work.path()).display().to_string();
    let expected = [
        ("dom0_cannot_create", "xl cannot create the domain: `dom0_t nomigrate_t:domain create` is denied"),
        ("level_without_mls", "the policy has no MLS"),
        ("misspelled_type", "no type `isolated_domu_t` in the policy; did you mean `isolated_domU_t`?"),
        ("no_relabel", "xl cannot relabel it from init_seclabel: `dom0_t domU_t:domain2 relabelfrom` is denied"),
        ("pci_needs_boolean", "`domU_t nic_dev_t:resource { use_iommu use_iommu_nointremap use_noiommu }` is denied"),
        ("pci_unlabelled", "has no label of its own (no `pcidevicecon 0x400`)"),
        ("stubdomain_not_attachable", "xl cannot attach the device model: `dm_dom_t isolated_domU_t:domain set_target` is denied"),
    ];
    let refused = configs("tests/guests/refused");
    assert_eq!(refused.len(), expected.len(), "one expectation per config");
    for (cfg, (name, reason)) in refused.iter().zip(expected) {
        assert!(cfg.ends_with(&format!("/{name}.cfg")), "{cfg}");
        let out = check_guest(&["--policy", &bin, cfg], None);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{cfg}: {stderr}");
        assert!(stderr.contains(reason), "{cfg}: {stderr}");
        assert!(text(&out.stdout).contains(&format!("{cfg}: xl create would fail")));
    }
    for cfg in configs("tests/guests/started") {
        let out = check_guest(&["--policy", &bin, &cfg], None);
        assert_eq!(out.status.code(), Some(0), "{cfg}: {}", text(&out.stderr));
    }
    // The boolean that lets domU_t guests use the NIC.
    let cfg = "tests/guests/refused/pci_needs_boolean.cfg";
    let with = check_guest(
        &["--policy", &bin, "--bool", "allow_pci_passthrough=1", cfg],
        None,
    );
    assert_eq!(with.status.code(), Some(0), "{}", text(&with.stderr));
    let bools = "allow_pci_passthrough: 1\nprot_doms_locked: 0 (pending 1)\n";
    let with = check_guest(&["--policy", &bin, "--bools", "-", cfg], Some(bools));
    assert_eq!(with.status.code(), Some(0), "{}", text(&with.stderr));
}

/// An MLS policy refuses a label without a level.
#[test]
fn mls_labels_need_a_level() {
    let work = tempfile::tempdir().expect("temp dir");
    let bin = work.path().join("mls").display().to_string();
    let built = Command::new(env!("CARGO_BIN_EXE_flaskc"))
        .current_dir(root())
        .args(["build", "policy", "--mls", "-o", &bin])
        .output()
        .expect("flaskc runs");
    assert!(built.status.success(), "{}", text(&built.stderr));
    let out = check_guest(&["--policy", &bin, "tests/guests/iso.cfg"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("the policy is MLS: a label needs a level"));
    let cfg = "seclabel = 'system_u:system_r:isolated_domU_t:s0'\n";
    let out = check_guest(&["--policy", &bin, "-"], Some(cfg));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// Xen 4.22's `vm_role.cons` keeps guests of different users apart: the same two types
/// talk and map only when the users are the same (both directions), in text and JSON.
#[test]
fn constraints_separate_users() {
    let tree = root().join("../shared/corpus/xen/4.22.0/nomls/policy.30.bin");
    if !tree.is_file() {
        common::skip("../shared/corpus/xen/4.22.0 is absent");
        return;
    }
    let bin = tree.display().to_string();
    let work = tempfile::tempdir().expect("temp dir");
    let cfg = |name: &str, user: &str| {
        let p = work.path().join(name);
        std::fs::write(&p, format!("seclabel = '{user}:vm_r:domU_t'\n")).expect("write");
        p.display().to_string()
    };
    let (a, b, c) = (
        cfg("a.cfg", "user_1"),
        cfg("b.cfg", "user_2"),
        cfg("c.cfg", "user_1"),
    );
    let out = check_guest(&["--policy", &bin, "--json", &a, &b, &c], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let rights = |from: &str, to: &str| -> Vec<String> {
        v["relations"]
            .as_array()
            .expect("relations")
            .iter()
            .find(|r| r["from"] == from && r["to"] == to)
            .map_or(Vec::new(), |r| {
                r["rights"]
                    .as_array()
                    .expect("rights")
                    .iter()
                    .map(|x| x.as_str().unwrap_or("").to_string())
                    .collect()
            })
    };
    assert!(rights(&a, &c).contains(&"map".to_string()), "{v}");
    assert!(rights(&c, &a).contains(&"map".to_string()), "{v}");
    assert!(!rights(&a, &b).contains(&"map".to_string()), "{v}");
    assert!(!rights(&b, &a).contains(&"map".to_string()), "{v}");
    assert!(!rights("dom0", &a).is_empty(), "{v}");
    assert_eq!(v["configs"][1]["creates"], true);
}
