//! Fuzz target `parse`: any text through lexer, parser, diagnostics rendering and printer.
//!
//! Nothing may panic or overflow the stack; and when the input parses without diagnostics,
//! printing and parsing again must give the same tree (up to spans).
//! Run with `cargo fuzz run parse` (needs nightly).
#![no_main]

use flaskc::source::{SourceFile, SourceMap};
use flaskc::syntax::{self, ast};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut map = SourceMap::new();
    let file = map.add(SourceFile::new("fuzz.conf", text));
    let (policy, diags) = syntax::parse(&mut map, file);
    let _ = flaskc::diag::render(&diags, &map);
    let printed = syntax::print(&policy);
    if diags.is_empty() {
        let mut map2 = SourceMap::new();
        let file2 = map2.add(SourceFile::new("printed.conf", printed));
        let (again, diags2) = syntax::parse(&mut map2, file2);
        assert!(diags2.is_empty(), "printed text does not parse");
        assert_eq!(
            ast::debug_without_spans(&policy),
            ast::debug_without_spans(&again),
            "round trip changed the tree"
        );
    }
});
