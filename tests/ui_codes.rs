//! Snapshot tests of the diagnostic codes that no other ui test shows: every
//! `tests/ui/codes/*.conf` is compiled as `flaskc compile` would (for Xen, unless its first
//! line is `# compile: selinux`, `# compile: selinux mls` or `# compile: xen mls`), and its
//! rendered diagnostics (errors or warnings) compared with `tests/snapshots/`.

use flaskc::policydb::Target;
use flaskc::project::{self, Options};

#[test]
fn code_snapshots() {
    insta::glob!("ui/codes/*.conf", |path| {
        let text = std::fs::read_to_string(path).expect("readable test input");
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let how = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# compile:"))
            .unwrap_or("xen");
        let target = if how.contains("selinux") {
            Target::Selinux
        } else {
            Target::Xen
        };
        let mut opts = Options::new(target);
        opts.sema.mls = how.contains("mls");
        let outcome = project::compile(name, text, &opts).expect("a valid version");
        assert!(
            !outcome.diagnostics.is_empty(),
            "every case reports something"
        );
        insta::assert_snapshot!(flaskc::diag::render(&outcome.diagnostics, &outcome.map));
    });
}
