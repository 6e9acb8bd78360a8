//! Snapshot tests of syntax diagnostics: every `tests/ui/syntax/*.conf` is parsed and its
//! rendered diagnostics compared with `tests/snapshots/`. Update with `INSTA_UPDATE=always`
//! (or `cargo insta review`) after checking the new output.

use flaskc::diag;
use flaskc::source::{SourceFile, SourceMap};
use flaskc::syntax;

#[test]
fn syntax_error_snapshots() {
    insta::glob!("ui/syntax/*.conf", |path| {
        let text = std::fs::read_to_string(path).expect("readable test input");
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut map = SourceMap::new();
        let file = map.add(SourceFile::new(name, text));
        let (_, diags) = syntax::parse(&mut map, file);
        assert!(
            diags.iter().any(|d| d.is_error()),
            "every ui case is broken"
        );
        insta::assert_snapshot!(diag::render(&diags, &map));
    });
}

#[test]
fn a_syntax_error_is_shown_at_its_original_te_line() {
    let text = "class domain\nsid xen\nclass domain { create }\n#line 1 \"modules/xen.te\"\ntype xen_t;\n\ntype dom0_t\nallow dom0_t xen_t : domain create;\n";
    let mut map = SourceMap::new();
    let file = map.add(SourceFile::new("policy.conf", text));
    let (_, diags) = syntax::parse(&mut map, file);
    let out = diag::render(&diags, &map);
    assert!(out.contains("modules/xen.te:4:1"), "{out}");
    assert!(out.contains("policy.conf:8:1"), "{out}");
}
