//! flaskc as a drop-in for Xen's own policy build: `make -f Makefile.common` in every
//! corpus tree that has one (Xen 4.8 and later), once with GNU m4 and checkpolicy and once
//! with `M4='flaskc m4' CHECKPOLICY='flaskc checkpolicy'`, gives the same `xenpolicy` and
//! the same policy.conf. Skipped, saying so, where make, m4, checkpolicy or ../shared are
//! absent.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn have(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs Xen's Makefile in `policy_dir` with the given tools; the output directory.
fn make(policy_dir: &Path, out: &Path, tools: Option<&str>) -> bool {
    std::fs::create_dir_all(out).expect("out dir");
    let mut cmd = Command::new("make");
    cmd.current_dir(policy_dir)
        .args(["-s", "-f", "Makefile.common", "XEN_FULLVERSION=test"])
        .arg(format!("FLASK_BUILD_DIR={}", out.display()))
        // Older Makefiles ask the hypervisor's Makefile for the version in the name.
        .arg(format!("POLICY_FILENAME={}/xenpolicy-test", out.display()));
    if let Some(flaskc) = tools {
        cmd.arg(format!("M4={flaskc} m4"))
            .arg(format!("CHECKPOLICY={flaskc} checkpolicy"));
    }
    cmd.output().is_ok_and(|o| o.status.success())
}

#[test]
fn xens_makefile_builds_the_same_policy_with_flaskc() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/xen");
    if !corpus.is_dir() {
        common::skip("../shared/corpus is absent");
        return;
    }
    if !(have("make") && have("m4") && have("checkpolicy")) {
        common::skip("make, GNU m4 and checkpolicy are needed");
        return;
    }
    let mut trees: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .expect("corpus")
        .map(|e| e.expect("entry").path().join("tree"))
        .filter(|t| t.join("tools/flask/policy/Makefile.common").is_file())
        .filter(|t| !t.to_string_lossy().contains("errors"))
        .collect();
    trees.sort();
    assert!(!trees.is_empty(), "the corpus has Xen 4.8+ trees");
    let flaskc = env!("CARGO_BIN_EXE_flaskc");
    for tree in trees {
        let work = tempfile::tempdir().expect("temp dir");
        common::copy_tree(&tree, work.path());
        let policy = work.path().join("tools/flask/policy");
        let (theirs, ours) = (work.path().join("gnu"), work.path().join("flaskc"));
        assert!(
            make(&policy, &theirs, None),
            "GNU build of {}",
            tree.display()
        );
        assert!(
            make(&policy, &ours, Some(flaskc)),
            "flaskc build of {}",
            tree.display()
        );
        for f in ["policy.conf", "xenpolicy-test"] {
            let a = std::fs::read(theirs.join(f)).expect("GNU output");
            let b = std::fs::read(ours.join(f)).expect("flaskc output");
            assert!(a == b, "{f} differs for {}", tree.display());
        }
    }
}
