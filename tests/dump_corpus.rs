//! The policy.conf and CIL dumps of every corpus binary against checkpolicy 3.4's
//! (`policy.N.dump.conf` / `policy.N.dump.cil` beside `policy.N.bin`).

mod common;

use flaskc::binary::read;
use flaskc::dump::{to_cil, to_conf};

/// The first differing line, for a readable failure.
fn first_diff(ours: &str, theirs: &str) -> String {
    for (i, (a, b)) in ours.lines().zip(theirs.lines()).enumerate() {
        if a != b {
            return format!("line {}: ours `{a}`, checkpolicy `{b}`", i + 1);
        }
    }
    format!(
        "lengths differ: {} vs {} lines",
        ours.lines().count(),
        theirs.lines().count()
    )
}

fn check(ext: &str, dump: fn(&flaskc::policydb::PolicyDb) -> String) {
    let bins = common::corpus_binaries();
    let mut failures = Vec::new();
    let mut checked = 0;
    for bin in &bins {
        let expected = bin.with_extension(ext);
        let Ok(want) = std::fs::read_to_string(&expected) else {
            continue;
        };
        let db = read(&std::fs::read(bin).unwrap()).unwrap().db;
        let got = dump(&db);
        checked += 1;
        if got != want {
            failures.push(format!(
                "{}: {}",
                expected.display(),
                first_diff(&got, &want)
            ));
        }
    }
    println!("{checked} {ext} dumps checked");
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn conf_dumps_match_checkpolicy() {
    check("dump.conf", to_conf);
}

#[test]
fn cil_dumps_match_checkpolicy() {
    check("dump.cil", to_cil);
}
