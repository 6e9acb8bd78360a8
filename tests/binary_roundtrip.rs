//! Round trips over every corpus binary: `write(read(b)) == b` byte for byte, and
//! `read(write(db)) == db`. This proves the hash orders (binary-format.md §12) are right.

mod common;

use flaskc::binary::{read, write, WriteOptions};

#[test]
fn corpus_round_trips_byte_for_byte() {
    let bins = common::corpus_binaries();
    let mut failures = Vec::new();
    for path in &bins {
        let bytes = std::fs::read(path).unwrap();
        let policy = match read(&bytes) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{}: read: {e}", path.display()));
                continue;
            }
        };
        let out = write(
            &policy.db,
            &WriteOptions {
                version: policy.version,
            },
        )
        .unwrap();
        if out != bytes {
            let at = out
                .iter()
                .zip(&bytes)
                .position(|(a, b)| a != b)
                .unwrap_or(out.len().min(bytes.len()));
            failures.push(format!(
                "{}: bytes differ at {at:#x} (len {} vs {})",
                path.display(),
                out.len(),
                bytes.len()
            ));
            continue;
        }
        let again = read(&out).unwrap();
        assert_eq!(again, policy, "{}", path.display());
    }
    println!("{} corpus binaries checked", bins.len());
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        bins.len(),
        failures.join("\n")
    );
}

/// Every SELinux corpus policy written at every version it can be expressed in reads back
/// (features a version lacks are dropped or refused by the writer, never mis-encoded).
#[test]
fn selinux_policies_survive_every_version() {
    let bins: Vec<_> = common::corpus_binaries()
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("selinux-tests"))
        .collect();
    let mut written = 0;
    for path in &bins {
        let policy = read(&std::fs::read(path).unwrap()).unwrap();
        if policy.db.target != flaskc::policydb::Target::Selinux {
            continue;
        }
        for version in 15..=33 {
            let bytes = match write(&policy.db, &WriteOptions { version }) {
                Ok(b) => b,
                Err(e) => {
                    println!("{} V{version}: {e}", path.display());
                    continue;
                }
            };
            let back =
                read(&bytes).unwrap_or_else(|e| panic!("{} at V{version}: {e}", path.display()));
            assert_eq!(back.version, version);
            let again = write(&back.db, &WriteOptions { version }).unwrap();
            assert_eq!(again, bytes, "{} at V{version}: not stable", path.display());
            written += 1;
        }
    }
    println!("{written} down-versioned policies read back");
}

/// checkpolicy writes its avtab in the order of a 2^20-bucket table (binary-format.md
/// §5.3): every corpus binary's avtab is already sorted that way.
#[test]
fn corpus_avtabs_are_in_compile_order() {
    use flaskc::binary::format::{sort_avtab, AVTAB_COMPILE_MASK};
    for path in common::corpus_binaries() {
        let db = read(&std::fs::read(&path).unwrap()).unwrap().db;
        let mut sorted = db.avtab.clone();
        sort_avtab(&mut sorted, AVTAB_COMPILE_MASK);
        assert_eq!(sorted, db.avtab, "{}", path.display());
    }
}

/// Binaries checkpolicy writes but libsepol will not read back (an empty avtab) are
/// refused here too, at the avtab.
#[test]
fn corpus_binaries_the_reference_refuses_are_refused() {
    for path in common::corpus_binaries_refused() {
        let bytes = std::fs::read(&path).unwrap();
        let err = read(&bytes).expect_err("libsepol refuses this binary");
        assert!(
            err.to_string().contains("avtab"),
            "{}: {err}",
            path.display()
        );
    }
}
