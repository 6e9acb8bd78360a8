//! Parser throughput: parses the largest policy.conf of `../shared/corpus` repeatedly and
//! prints MB/s. Plain `std::time`, no framework; run with `cargo bench --bench parse`.
//! Skips (and says so) when the corpus is absent.

use flaskc::source::{SourceFile, SourceMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn largest_policy_conf(dir: &Path) -> Option<PathBuf> {
    let mut best: Option<(u64, PathBuf)> = None;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).ok()?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|f| f == "policy.conf") {
                let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
                if best.as_ref().is_none_or(|(l, _)| len > *l) {
                    best = Some((len, path));
                }
            }
        }
    }
    best.map(|(_, p)| p)
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let Some(path) = largest_policy_conf(&dir) else {
        println!("skipping: no policy.conf under {}", dir.display());
        return;
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!("skipping: cannot read {}", path.display());
        return;
    };
    let parse_once = || {
        let mut map = SourceMap::new();
        let file = map.add(SourceFile::new("policy.conf", text.clone()));
        let (policy, diags) = flaskc::syntax::parse(&mut map, file);
        std::hint::black_box((policy, diags));
    };
    parse_once(); // warm up
    let budget = Duration::from_secs(2);
    let start = Instant::now();
    let mut runs = 0u32;
    while start.elapsed() < budget || runs < 3 {
        parse_once();
        runs += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    let mb = text.len() as f64 * f64::from(runs) / 1e6;
    println!(
        "parse {} ({} bytes): {runs} runs, {:.2} ms/run, {:.1} MB/s",
        path.display(),
        text.len(),
        secs * 1e3 / f64::from(runs),
        mb / secs
    );
}
