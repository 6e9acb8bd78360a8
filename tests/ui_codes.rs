//! Snapshot tests of the diagnostic codes that no other ui test shows: every
//! `tests/ui/codes/*.conf` is compiled as `flaskc compile` would, and its rendered
//! diagnostics (errors or warnings) compared with `tests/snapshots/`.
//!
//! An optional first line `# compile: WORDS` picks the target and options: `selinux`
//! (otherwise Xen), `mls`, and `version N` (the policy version to write, otherwise the
//! target's default). A line `# repeat N: TEXT` is replaced by N lines of TEXT, each with
//! `{}` replaced by its index, so that a case needing many declarations stays small.

use flaskc::policydb::Target;
use flaskc::project::{self, Options};

/// Expands each `# repeat N: TEXT` line of a case.
fn expand_repeats(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let repeat = line
            .strip_prefix("# repeat ")
            .and_then(|r| r.split_once(": "));
        match repeat {
            Some((n, template)) => {
                let n: usize = n.parse().expect("`# repeat N: TEXT`");
                for i in 0..n {
                    out.push_str(&template.replace("{}", &i.to_string()));
                    out.push('\n');
                }
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// The options a case's `# compile:` line asks for.
fn options(text: &str) -> Options {
    let how: Vec<&str> = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# compile:"))
        .unwrap_or("xen")
        .split_whitespace()
        .collect();
    let target = if how.contains(&"selinux") {
        Target::Selinux
    } else {
        Target::Xen
    };
    let mut opts = Options::new(target);
    opts.sema.mls = how.contains(&"mls");
    if let Some(i) = how.iter().position(|w| *w == "version") {
        let v = how.get(i + 1).and_then(|v| v.parse().ok());
        opts.version = Some(v.expect("`version N`"));
    }
    opts
}

#[test]
fn code_snapshots() {
    insta::glob!("ui/codes/*.conf", |path| {
        let text = std::fs::read_to_string(path).expect("readable test input");
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let opts = options(&text);
        let outcome =
            project::compile(name, expand_repeats(&text), &opts).expect("a valid version");
        assert!(
            !outcome.diagnostics.is_empty(),
            "every case reports something"
        );
        insta::assert_snapshot!(flaskc::diag::render(&outcome.diagnostics, &outcome.map));
    });
}
