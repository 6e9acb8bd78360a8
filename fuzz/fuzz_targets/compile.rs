//! Fuzz target `compile`: any text through parser, semantic pass (both targets, with and
//! without MLS) and binary writer. Nothing may panic; a database that lowers (with rules)
//! must write at the target's default version and read back.
//! Run with `cargo fuzz run compile` (needs nightly).
#![no_main]

use flaskc::binary::{self, WriteOptions};
use flaskc::policydb::{HandleUnknown, Target};
use flaskc::source::{SourceFile, SourceMap};
use flaskc::{sema, syntax};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut map = SourceMap::new();
    let file = map.add(SourceFile::new("fuzz.conf", text));
    let (ast, diags) = syntax::parse(&mut map, file);
    if !diags.is_empty() {
        return;
    }
    for (target, version) in [(Target::Xen, 30), (Target::Selinux, 33)] {
        for mls in [false, true] {
            let opts = sema::Options {
                target,
                mls,
                handle_unknown: HandleUnknown::Deny,
            };
            if let Some(db) = sema::lower(&ast, file, &opts).db {
                // A policy without rules is written (as checkpolicy does) but, like
                // libsepol, the reader refuses its empty avtab.
                if db.avtab.is_empty() {
                    continue;
                }
                if let Ok(bytes) = binary::write(&db, &WriteOptions { version }) {
                    let back = binary::read(&bytes).expect("flaskc reads what it writes");
                    assert_eq!(back.version, version);
                }
            }
        }
    }
});
