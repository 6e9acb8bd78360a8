//! Reading mutated corpus binaries never panics, and whatever the reader accepts writes
//! back to a file that reads as the same policy (the property `fuzz/read_binary` checks
//! without bounds). Deterministic: a fixed-seed generator picks the mutations.

mod common;

use flaskc::binary::{read, write, WriteOptions};

/// Mutations per corpus binary (`FLASKC_MUTATION_ROUNDS` overrides it for longer runs).
const ROUNDS: usize = 100;

/// xorshift64*: small, deterministic, good enough to spread mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One mutation: a flipped byte, an interesting word, or a truncation.
fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let at = rng.below(bytes.len());
    match rng.below(4) {
        0 => bytes[at] ^= 1 << rng.below(8),
        1 => {
            let words = [0u32, 1, 2, 0x40, 0xFFFF, 0x1_0000, 0x7FFF_FFFF, u32::MAX];
            let w = words[rng.below(words.len())].to_le_bytes();
            let end = (at + 4).min(bytes.len());
            bytes[at..end].copy_from_slice(&w[..end - at]);
        }
        2 => bytes[at] = rng.next() as u8,
        _ => bytes.truncate(at),
    }
}

/// Accepted input must survive write-then-read unchanged.
fn check(bytes: &[u8]) {
    if let Ok(policy) = read(bytes) {
        let out = write(
            &policy.db,
            &WriteOptions {
                version: policy.version,
            },
        )
        .expect("an accepted policy must be writable at its own version");
        let again = read(&out).expect("a re-written policy must read back");
        if policy.version < flaskc::binary::format::V_AVTAB {
            // The old format is written in checkpolicy's merged bucket order, whatever
            // order the input had: from there on, writing is stable.
            let out2 = write(
                &again.db,
                &WriteOptions {
                    version: again.version,
                },
            )
            .expect("a re-read policy must be writable");
            assert_eq!(out2, out, "old-format policy not stable on write-then-read");
        } else {
            assert_eq!(again, policy, "policy changed on write-then-read");
        }
        let _ = flaskc::dump::to_conf(&policy.db);
        let _ = flaskc::dump::to_cil(&policy.db);
    }
}

#[test]
fn mutated_corpus_binaries_never_panic() {
    let bins = common::corpus_binaries();
    let rounds = std::env::var("FLASKC_MUTATION_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(ROUNDS);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut accepted = 0;
    // Inputs: every corpus binary, plus the SELinux ones written at older versions, so
    // that the old layouts (V15..23) are mutated too.
    let mut inputs: Vec<Vec<u8>> = bins.iter().map(|p| std::fs::read(p).unwrap()).collect();
    for original in inputs.clone() {
        let Ok(p) = read(&original) else { continue };
        if p.db.target == flaskc::policydb::Target::Selinux {
            for version in [15, 16, 19, 20, 23] {
                inputs.extend(write(&p.db, &WriteOptions { version }).ok());
            }
        }
    }
    for original in &inputs {
        for _ in 0..rounds {
            let mut bytes = original.clone();
            for _ in 0..=rng.below(3) {
                if !bytes.is_empty() {
                    mutate(&mut rng, &mut bytes);
                }
            }
            accepted += usize::from(read(&bytes).is_ok());
            check(&bytes);
        }
    }
    println!("{} mutations, {accepted} accepted", inputs.len() * rounds);
}
