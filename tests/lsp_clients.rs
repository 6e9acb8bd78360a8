//! `flaskc lsp` against real clients: the pytest-lsp suite (tests/lsp/) and Neovim's
//! built-in client, headless. Each skips loudly when its client is not installed (and
//! fails then under FLASKC_REQUIRE_ORACLES=1, as in CI, which installs both).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A Python that has pytest-lsp: the first `python3` on the path (where CI installs it),
/// else Debian's.
fn pytest_lsp_python() -> Option<&'static str> {
    ["python3", "/usr/bin/python3"].into_iter().find(|py| {
        Command::new(py)
            .args(["-c", "import pytest_lsp"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[test]
fn pytest_lsp_suite() {
    let Some(py) = pytest_lsp_python() else {
        common::skip("no python3 with pytest-lsp (pip install pytest-lsp)");
        return;
    };
    let out = Command::new(py)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/lsp"])
        .current_dir(root())
        .env("FLASKC", env!("CARGO_BIN_EXE_flaskc"))
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn neovim_shows_a_typo_and_finds_an_interface() {
    if Command::new("nvim").arg("--version").output().is_err() {
        common::skip("no nvim (apt-get install neovim)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("policy");
    common::copy_tree(&root().join("policy"), &tree);
    let te = tree.join("modules/domU.te");
    let text = std::fs::read_to_string(&te).unwrap();
    let line = text.lines().count();
    std::fs::write(&te, text + "allow domU_t vualt_t:domain pause;\n").unwrap();
    let script = root().join("tests/lsp/nvim_smoke.lua");
    let out = Command::new("nvim")
        .args(["--headless", "--clean", "-u", "NONE", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("FLASKC", env!("CARGO_BIN_EXE_flaskc"))
        .env("FILE", &te)
        .env("LINE", line.to_string())
        .current_dir(Path::new(tmp.path()))
        .output()
        .expect("nvim runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("nvim smoke: ok"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
