//! Bounded random mutations of valid policies (the project's test policies): words are
//! dropped, repeated or swapped for other words of the same policy, lines duplicated or
//! removed. Whatever comes out, parsing, the semantic pass (both targets, with and without
//! MLS) and the writer must not panic. A fixed seed keeps the run reproducible;
//! `FLASKC_MUTATION_ROUNDS` makes it longer.

use flaskc::binary::{self, WriteOptions};
use flaskc::policydb::{HandleUnknown, Target};
use flaskc::source::{SourceFile, SourceMap};
use flaskc::{sema, syntax};
use std::path::Path;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let words: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    for _ in 0..1 + rng.below(3) {
        let i = rng.below(lines.len());
        match rng.below(5) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            _ => {
                let mut ws: Vec<String> = lines[i].split(' ').map(str::to_string).collect();
                let j = rng.below(ws.len());
                match rng.below(3) {
                    0 => ws[j] = words[rng.below(words.len())].clone(),
                    1 => {
                        ws.remove(j);
                    }
                    _ => ws.insert(j, words[rng.below(words.len())].clone()),
                }
                lines[i] = ws.join(" ");
            }
        }
        if lines.is_empty() {
            break;
        }
    }
    lines.join("\n") + "\n"
}

#[test]
fn mutated_policies_never_panic() {
    let rounds: usize = std::env::var("FLASKC_MUTATION_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/policies");
    let mut sources: Vec<String> = std::fs::read_dir(dir)
        .expect("tests/policies")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .map(|p| std::fs::read_to_string(p).expect("readable"))
        .collect();
    sources.sort();
    let mut rng = Rng(0x5eed_f1a5_c0de_0001);
    let mut lowered = 0;
    for round in 0..rounds {
        let text = mutate(&sources[round % sources.len()], &mut rng);
        let mut map = SourceMap::new();
        let file = map.add(SourceFile::new("mutant.conf", text));
        let (ast, diags) = syntax::parse(&mut map, file);
        let _ = flaskc::diag::render(&diags, &map);
        if diags.iter().any(|d| d.is_error()) {
            continue;
        }
        for (target, version) in [(Target::Xen, 30), (Target::Selinux, 33)] {
            for mls in [false, true] {
                let opts = sema::Options {
                    target,
                    mls,
                    handle_unknown: HandleUnknown::Deny,
                };
                let out = sema::lower(&ast, file, &opts);
                let _ = flaskc::diag::render(&out.diagnostics, &map);
                if let Some(db) = out.db {
                    lowered += 1;
                    let _ = binary::write(&db, &WriteOptions { version });
                }
            }
        }
    }
    assert!(lowered > 0, "some mutants must still compile");
}
