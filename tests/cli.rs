//! The command line as files: every subcommand's `--help` (`tests/cmd/help.trycmd`) and
//! the exit-code rule (`tests/cmd/exit-codes.trycmd`), run with trycmd. Regenerate the
//! expected outputs with `TRYCMD=overwrite cargo test --test cli` and review the diff.

#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .env("NO_COLOR", "1")
        .case("tests/cmd/*.trycmd");
}

#[test]
fn every_subcommand_has_its_help_case() {
    let cases = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cmd/help.trycmd"),
    )
    .expect("help.trycmd");
    let missing: Vec<String> = flaskc::cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .filter(|n| n != "help" && !cases.contains(&format!("$ flaskc {n} --help\n")))
        .collect();
    assert!(
        missing.is_empty(),
        "add `$ flaskc NAME --help` to tests/cmd/help.trycmd for: {missing:?}"
    );
}

#[test]
fn the_man_page_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/flaskc.1");
    let page = flaskc::cli::man_page().expect("rendered in memory");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, &page).expect("docs/ is writable");
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == page,
        "docs/flaskc.1 is out of date: regenerate it with `BLESS=1 cargo test --test cli`"
    );
}
