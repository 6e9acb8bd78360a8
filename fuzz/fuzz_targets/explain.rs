//! Fuzz target `explain`: any text as an AVC log, and as `xen.if` text, through the log
//! reader, the explanations and the audit2allow proposals over a small Xen policy.
//!
//! Nothing may panic; every AVC-looking line must become a record or a problem.
//! Run with `cargo fuzz run explain` (needs nightly).
#![no_main]

use flaskc::explain::{self, propose};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(policy) = flaskc::binary::read(include_bytes!(
        "../../tests/policies/xen_conditionals.30.bin"
    )) else {
        return;
    };
    let (log, ifs) = text.split_once('\0').unwrap_or((text, text));
    let parsed = flaskc::avc::parse(log);
    let avc_lines = log.lines().filter(|l| l.contains("avc:")).count();
    assert_eq!(parsed.records.len() + parsed.problems.len(), avc_lines);
    let report = explain::explain(&policy.db, &parsed.records, &[]);
    let _ = explain::render(&report);
    let ifs = propose::Interfaces::parse(ifs);
    let inputs = propose::Inputs {
        interfaces: Some(&ifs),
        ..Default::default()
    };
    let _ = propose::render_te(&policy.db, &report.explanations, inputs);
});
