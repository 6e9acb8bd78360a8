//! Speed of `flaskc::m4::expand` against GNU m4 (when installed), in wall-clock time.
//!
//! Two inputs: the Xen 4.22 policy tree with the arguments its Makefile uses (taken from the
//! corpus manifest's `xen/4.22.0/nomls` m4 case, if `../shared/corpus` is present), and a
//! large generated input with many definitions, nested calls, `ifelse` and `-s` output.
//! flaskc runs in-process; GNU m4 runs as a subprocess on the same files. Run with
//! `cargo bench --bench m4`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use flaskc::m4::{expand, Arg, FileLoader, Options};

/// Reads files relative to one directory, as the m4 case's working directory.
struct Dir(PathBuf);

impl FileLoader for Dir {
    fn load(&self, path: &str) -> Option<Vec<u8>> {
        std::fs::read(self.0.join(path)).ok()
    }
}

/// Splits GNU m4 arguments into options and operands (the subset the corpus uses).
fn parse(args: &[String]) -> (Options, Vec<Arg>) {
    let mut opts = Options::default();
    let mut ops = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-s" => opts.synclines = true,
            "-D" => {
                let spec = it.next().cloned().unwrap_or_default();
                let (n, v) = spec.split_once('=').unwrap_or((&spec, ""));
                ops.push(Arg::Define(n.to_string(), v.to_string()));
            }
            _ => ops.push(Arg::File(a.clone())),
        }
    }
    (opts, ops)
}

/// The median of `runs` timings of `f`.
fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn gnu_m4_installed() -> bool {
    Command::new("m4")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn compare(label: &str, dir: &Path, args: &[String], runs: usize) {
    let (opts, ops) = parse(args);
    let loader = Dir(dir.to_path_buf());
    let mut bytes = 0;
    let ours = time(runs, || bytes = expand(&ops, &opts, &loader).output.len());
    print!(
        "{label}: flaskc {:.2} ms ({bytes} bytes out)",
        ours.as_secs_f64() * 1e3
    );
    if gnu_m4_installed() {
        let gnu = time(runs, || {
            let out = Command::new("m4")
                .args(args)
                .current_dir(dir)
                .output()
                .expect("m4 runs");
            assert!(out.status.success(), "GNU m4 failed on {label}");
        });
        let ratio = gnu.as_secs_f64() / ours.as_secs_f64();
        println!(
            ", GNU m4 {:.2} ms: flaskc is {ratio:.2}x GNU m4's speed",
            gnu.as_secs_f64() * 1e3
        );
    } else {
        println!(", GNU m4 not installed: no comparison");
    }
}

/// Arguments of the corpus's Xen 4.22 m4 case, with its working directory.
fn xen_case() -> Option<(PathBuf, Vec<String>)> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let manifest = std::fs::read_to_string(corpus.join("manifest.json")).ok()?;
    let manifest: serde_json::Value = serde_json::from_str(&manifest).ok()?;
    let case = manifest["m4"]
        .as_array()?
        .iter()
        .find(|c| c["id"] == "xen/4.22.0/nomls")?;
    let cwd = corpus.join(case["cwd"].as_str()?);
    let args = case["args"]
        .as_array()?
        .iter()
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect();
    Some((cwd, args))
}

/// A policy-like input: many interface macros, each called many times.
fn generated() -> String {
    let mut s = String::from("define(`gen_require', `')dnl\n");
    for i in 0..400 {
        s.push_str(&format!(
            "define(`iface{i}', `ifelse(`$#', `2', `allow $1 $2:domain {{ create manage }};\n', `allow $1 self:event bind;\n')')dnl\n"
        ));
    }
    for round in 0..50 {
        for i in 0..400 {
            s.push_str(&format!(
                "iface{i}(dom{round}_t, target{i}_t)\n# a comment\n"
            ));
        }
    }
    s
}

fn main() {
    match xen_case() {
        Some((cwd, args)) => compare("Xen 4.22 policy", &cwd, &args, 21),
        None => println!("Xen 4.22 policy: corpus not found, skipped"),
    }
    let dir = std::env::temp_dir().join(format!("flaskc-m4-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("big.m4"), generated()).expect("write input");
    compare(
        "generated 20k calls",
        &dir,
        &["-s".into(), "big.m4".into()],
        7,
    );
    let _ = std::fs::remove_dir_all(&dir);
}
