//! The machine formats CI reads: SARIF validated against the official 2.1.0 schema
//! (committed under `tests/sarif/`) with Python's `jsonschema`, and the workflow files of
//! `docs/ci.md` validated with `check-jsonschema`'s built-in GitHub and GitLab schemas.

mod common;

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Whether a Python module can be imported by `python3`.
fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A copy of the bundled policy with two mistakes in `domU.te`.
fn broken_tree(dir: &Path) {
    common::copy_tree(&root().join("policy"), dir);
    let te = dir.join("modules/domU.te");
    let text = std::fs::read_to_string(&te).expect("domU.te")
        + "allow domU_t vualt_t:domain pause;\nallow domU_t dom0_t:domain pasue;\n";
    std::fs::write(&te, text).expect("writable copy");
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    if !python_has("jsonschema") {
        common::skip("python3's jsonschema is not installed (pip install jsonschema)");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let tree = dir.path().join("tree");
    broken_tree(&tree);
    let out = Command::new(env!("CARGO_BIN_EXE_flaskc"))
        .args(["build", "--message-format", "sarif", "-o"])
        .arg(dir.path().join("out"))
        .arg(&tree)
        .output()
        .expect("flaskc runs");
    assert_eq!(out.status.code(), Some(1));
    let log = dir.path().join("log.sarif");
    std::fs::write(&log, &out.stdout).expect("writable");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["runs"][0]["results"].as_array().map(Vec::len), Some(2));
    let check = Command::new("python3")
        .args([
            "-c",
            "import json, sys, jsonschema\n\
             schema = json.load(open(sys.argv[1]))\n\
             jsonschema.validate(json.load(open(sys.argv[2])), schema)",
        ])
        .arg(root().join("tests/sarif/sarif-2.1.0-rtm.5.json"))
        .arg(&log)
        .output()
        .expect("python3 runs");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn the_documented_workflows_are_valid() {
    if Command::new("check-jsonschema")
        .arg("--version")
        .output()
        .is_err()
    {
        common::skip("check-jsonschema is not installed (pip install check-jsonschema)");
        return;
    }
    for (schema, file) in [
        ("vendor.github-workflows", "docs/ci/github-workflow.yml"),
        ("vendor.gitlab-ci", "docs/ci/gitlab-ci.yml"),
    ] {
        let out = Command::new("check-jsonschema")
            .args(["--builtin-schema", schema])
            .arg(root().join(file))
            .output()
            .expect("check-jsonschema runs");
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
