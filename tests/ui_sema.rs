//! Snapshot tests of semantic diagnostics: every `tests/ui/sema/*.conf` (a policy
//! checkpolicy also rejects) is parsed cleanly, lowered, and its rendered diagnostics
//! compared with `tests/snapshots/`. Files named `mls-*` are compiled with MLS. Update with
//! `INSTA_UPDATE=always` after checking the new output.

use flaskc::policydb::{HandleUnknown, Target};
use flaskc::source::{SourceFile, SourceMap};
use flaskc::{diag, sema, syntax};

#[test]
fn semantic_error_snapshots() {
    insta::glob!("ui/sema/*.conf", |path| {
        let text = std::fs::read_to_string(path).expect("readable test input");
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mls = name.starts_with("mls-");
        let mut map = SourceMap::new();
        let file = map.add(SourceFile::new(name, text));
        let (ast, parse_errors) = syntax::parse(&mut map, file);
        assert!(
            parse_errors.is_empty(),
            "{}",
            diag::render(&parse_errors, &map)
        );
        let opts = sema::Options {
            target: Target::Xen,
            mls,
            handle_unknown: HandleUnknown::Deny,
        };
        let lowered = sema::lower(&ast, file, &opts);
        assert!(lowered.db.is_none(), "every ui case is rejected");
        insta::assert_snapshot!(diag::render(&lowered.diagnostics, &map));
    });
}
