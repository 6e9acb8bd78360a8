//! `flaskc check-guest` on the xl configs of `tests/guests/` against the starter policy:
//! bad labels are reported at their config lines, and the rights between the valid
//! domains are listed (snapshot).

mod common;

use std::process::Command;

#[test]
fn guest_configs_are_checked() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().expect("temp dir");
    let bin = common::build_starter(work.path());
    let flaskc = || Command::new(env!("CARGO_BIN_EXE_flaskc"));
    let mut cfgs: Vec<String> = std::fs::read_dir(root.join("tests/guests"))
        .expect("tests/guests")
        .map(|e| {
            format!(
                "tests/guests/{}",
                e.expect("entry").file_name().to_string_lossy()
            )
        })
        .collect();
    cfgs.sort();
    let out = flaskc()
        .current_dir(root)
        .arg("check-guest")
        .arg("--policy")
        .arg(&bin)
        .args(&cfgs)
        .output()
        .expect("flaskc runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken.cfg:2: seclabel: no type `web_t` in the policy"));
    assert!(stderr
        .contains("broken.cfg:3: init_seclabel: user `system_u` may not take role `object_r`"));
    insta::assert_snapshot!(format!(
        "{}-- stderr\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    ));
}
