//! Grammar-wide differential test against checkpolicy 3.4: random policies from
//! `tests/gen` (every statement of both targets) must be accepted or rejected alike, with
//! identical bytes when accepted and, when both report a line, the same line.
//!
//! `FLASKC_GRAMMAR_CASES` (default 300) and `FLASKC_GRAMMAR_SEED` (default 0) choose the
//! seeds; `FLASKC_GRAMMAR_DUMP=DIR` writes each divergent policy there as `SEED.conf`
//! (arguments in `SEED.args`);
//! `FLASKC_GRAMMAR_OFF` switches generator features off (see `gen::Switches`);
//! `FLASKC_GRAMMAR_BIN` names the flaskc to test instead of the one cargo built.
//! `cargo run --example gen_policy -- SEED` prints one seed's policy and arguments.

mod common;
mod gen;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

const DEFAULT_CASES: u64 = 300;

/// How one case came out. Divergences fail the test; the rest are counted.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone)]
enum Outcome {
    Match,
    BothReject,
    /// checkpolicy was killed by a signal; flaskc exited cleanly.
    RefCrash(i32),
    /// Both rejected, checkpolicy named a line, flaskc did not name it (softer).
    LineDiffers,
    BytesDiffer,
    OnlyRefAccepts,
    OnlyOursAccepts,
    /// flaskc panicked (exit 101) or died of a signal.
    OursCrash,
    /// A tunable mixed with a boolean: flaskc must refuse it.
    MixAccepted,
    /// checkpolicy accepts, flaskc refuses on purpose (docs/divergences.md).
    Documented(&'static str),
}

impl Outcome {
    fn diverges(&self) -> bool {
        !matches!(
            self,
            Outcome::Match | Outcome::BothReject | Outcome::RefCrash(_) | Outcome::Documented(_)
        )
    }

    /// A different verdict, different bytes or a crash; a different first error line
    /// (both rejecting) fails the test only under `FLASKC_GRAMMAR_STRICT=1`.
    fn fails(&self) -> bool {
        self.diverges()
            && (*self != Outcome::LineDiffers || env_u64("FLASKC_GRAMMAR_STRICT", 0) == 1)
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The flaskc under test: `FLASKC_GRAMMAR_BIN` if set (a copy a long run keeps while the
/// tree is rebuilt), else the one cargo built.
fn flaskc_bin() -> std::ffi::OsString {
    std::env::var_os("FLASKC_GRAMMAR_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_flaskc").into())
}

fn signal_of(out: &Output) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    out.status.signal()
}

/// The line of checkpolicy's first error (`p.conf:N:ERROR`); warnings before it and
/// errors without a line (libsepol's expand and write) name none.
fn reported_line(stderr: &str) -> Option<u64> {
    let line = stderr.lines().find(|l| l.contains("ERROR"))?;
    let rest = line.strip_prefix("p.conf:")?;
    rest[..rest.find(':')?].parse().ok()
}

/// The lines a diagnostic may name for an error checkpolicy reports at line `n`: `n`, and
/// the lines of the statement that ends just before it, since checkpolicy names the line of
/// the token it read after a bad statement (as `conformance.py` judges it).
fn acceptable_lines(conf: &str, n: u64) -> impl Iterator<Item = u64> {
    let lines: Vec<&str> = conf.split('\n').collect();
    let code = |k: u64| -> &str {
        match lines.get((k as usize).wrapping_sub(1)) {
            Some(l) if k > 0 => l.split('#').next().unwrap_or("").trim(),
            _ => "",
        }
    };
    let mut i = n.saturating_sub(1);
    while i > 0 && code(i).is_empty() {
        i -= 1;
    }
    let mut j = i;
    while j > 1 && !code(j - 1).is_empty() && !code(j - 1).ends_with([';', '}', '{']) {
        j -= 1;
    }
    (j.max(1)..n).chain([n])
}

/// The first error line of a compiler's standard error (else its first line).
fn first_line(s: &str) -> &str {
    s.lines()
        .find(|l| l.contains("ERROR") || l.starts_with("error"))
        .or_else(|| s.lines().find(|l| !l.trim().is_empty()))
        .unwrap_or("")
        .trim()
}

/// Whether flaskc's first error is a `~`, `*` or `-` in an alias list, which it refuses
/// where checkpolicy declares aliases named `~`, `*` and `-` (docs/divergences.md).
fn alias_set_refused(our_err: &str, policy: &str) -> bool {
    let Some(rest) = our_err.split("error[syntax-error]: unexpected `").nth(1) else {
        return false;
    };
    if !["~`", "*`", "-`"].iter().any(|t| rest.starts_with(t)) {
        return false;
    }
    let line =
        (rest.split("p.conf:").nth(1)).and_then(|r| r.split(':').next()?.parse::<usize>().ok());
    line.and_then(|n| policy.lines().nth(n.checked_sub(1)?))
        .is_some_and(|l| l.contains(" alias "))
}

/// Runs one case in `dir`; returns the outcome and a one-line reason.
fn run_case(dir: &Path, case: &gen::Case) -> (Outcome, String) {
    std::fs::write(dir.join("p.conf"), &case.policy).expect("write policy");
    for f in ["ref.bin", "our.bin"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    let reference = Command::new("checkpolicy")
        .current_dir(dir)
        .args(&case.args)
        .args(["-o", "ref.bin", "p.conf"])
        .output()
        .expect("checkpolicy runs");
    let ours = Command::new(flaskc_bin())
        .current_dir(dir)
        .arg("checkpolicy")
        .args(&case.args)
        .args(["-o", "our.bin", "p.conf"])
        .output()
        .expect("flaskc runs");
    let ref_err = String::from_utf8_lossy(&reference.stderr);
    let our_err = String::from_utf8_lossy(&ours.stderr);
    if ours.status.code() == Some(101) || signal_of(&ours).is_some() {
        return (
            Outcome::OursCrash,
            format!("flaskc crashed: {}", first_line(&our_err)),
        );
    }
    if let Some(sig) = signal_of(&reference) {
        // Where checkpolicy aborts on a condition mixing a tunable and a boolean, flaskc
        // must refuse it (one in a block the linker leaves out harms neither).
        if case.mixes_tunable_and_bool && ours.status.success() {
            return (
                Outcome::MixAccepted,
                "flaskc accepts a conditional mixing a tunable and a boolean".into(),
            );
        }
        return (Outcome::RefCrash(sig), format!("checkpolicy signal {sig}"));
    }
    match (reference.status.success(), ours.status.success()) {
        (true, true) => {
            let a = std::fs::read(dir.join("ref.bin")).unwrap_or_default();
            let b = std::fs::read(dir.join("our.bin")).unwrap_or_default();
            if a == b {
                (Outcome::Match, String::new())
            } else {
                let at = a.iter().zip(&b).position(|(x, y)| x != y);
                (
                    Outcome::BytesDiffer,
                    format!(
                        "bytes differ at {:#x} (len {} vs ours {})",
                        at.unwrap_or(a.len().min(b.len())),
                        a.len(),
                        b.len()
                    ),
                )
            }
        }
        (true, false) if our_err.contains("error[negated-condition]") => (
            Outcome::Documented("four or more `!` on a condition"),
            String::new(),
        ),
        (true, false) if our_err.contains("libsepol reports only a type's rules on itself") => (
            Outcome::Documented("a neverallow naming `self` broken by another pair"),
            String::new(),
        ),
        (true, false)
            if our_err.contains("cannot hold extended permission rules")
                && case
                    .args
                    .windows(2)
                    .any(|w| w[0] == "-c" && w[1].parse::<u32>().is_ok_and(|v| v < 20)) =>
        {
            (
                Outcome::Documented("extended permission rules below version 20"),
                String::new(),
            )
        }
        (true, false) if our_err.contains("a complemented ioctl set must not name 0xffff") => (
            Outcome::Documented("a complemented ioctl set reaching 0xffff"),
            String::new(),
        ),
        (true, false) if alias_set_refused(&our_err, &case.policy) => (
            Outcome::Documented("`~`, `*` or `-` in an alias list"),
            String::new(),
        ),
        (true, false) => (
            Outcome::OnlyRefAccepts,
            format!("flaskc rejects: {}", first_line(&our_err)),
        ),
        (false, true) => (
            Outcome::OnlyOursAccepts,
            format!("checkpolicy rejects: {}", first_line(&ref_err)),
        ),
        // A Xen version other than 24 and 30: checkpolicy fails when it writes, after
        // parsing, and flaskc refuses before reading; both reject.
        (false, false) if our_err.contains("cannot be written for Xen") => {
            (Outcome::BothReject, String::new())
        }
        (false, false) => match reported_line(&ref_err) {
            Some(n)
                if !acceptable_lines(&case.policy, n)
                    .any(|k| our_err.contains(&format!("p.conf:{k}:"))) =>
            {
                (
                    Outcome::LineDiffers,
                    format!(
                        "checkpolicy: {} / flaskc: {} {}",
                        first_line(&ref_err),
                        first_line(&our_err),
                        our_err
                            .lines()
                            .find(|l| l.contains("p.conf:"))
                            .unwrap_or("")
                            .trim()
                    ),
                )
            }
            _ => (Outcome::BothReject, String::new()),
        },
    }
}

#[test]
fn generated_policies_match_checkpolicy() {
    if Command::new("checkpolicy").arg("-V").output().is_err() {
        common::skip("checkpolicy is not installed");
        return;
    }
    let cases = env_u64("FLASKC_GRAMMAR_CASES", DEFAULT_CASES);
    let base = env_u64("FLASKC_GRAMMAR_SEED", 0);
    let dump = std::env::var_os("FLASKC_GRAMMAR_DUMP").map(std::path::PathBuf::from);
    let switches = gen::Switches::from_env();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut divergences = Vec::new();
    for seed in base..base + cases {
        // A running tally now and then, so that a long run stopped early still tells
        // what it saw.
        let done = seed - base;
        if done > 0 && done.is_multiple_of(1000) {
            let tally: Vec<String> = counts.iter().map(|(k, n)| format!("{k}: {n}")).collect();
            eprintln!("after {done} cases: {}", tally.join(", "));
        }
        let case = gen::generate(seed, &switches);
        // `-t xen` without `-c`: checkpolicy fails at its default version 33, flaskc
        // writes version 30 on purpose (docs/divergences.md).
        let xen = case.args.windows(2).any(|w| w[0] == "-t" && w[1] == "xen");
        if xen && !case.args.iter().any(|a| a == "-c") {
            *counts
                .entry("Xen without -c (documented)".into())
                .or_default() += 1;
            continue;
        }
        let (outcome, reason) = run_case(dir.path(), &case);
        let key = match (&outcome, case.breakage) {
            (Outcome::BothReject, Some(b)) => format!("BothReject (broken: {b:?})"),
            (o, _) => format!("{o:?}"),
        };
        *counts.entry(key).or_default() += 1;
        if outcome.diverges() {
            let line = format!(
                "seed {seed} [{}]: {outcome:?}: {reason}",
                case.args.join(" ")
            );
            // Shown as found too, so that an interrupted long run (`--nocapture`) still
            // reports what it saw.
            eprintln!("{line}");
            divergences.push((outcome, line));
            if let Some(d) = &dump {
                std::fs::create_dir_all(d).expect("dump dir");
                std::fs::write(d.join(format!("{seed}.conf")), &case.policy).expect("dump");
                std::fs::write(d.join(format!("{seed}.args")), case.args.join(" ")).expect("dump");
            }
        }
    }
    eprintln!("{cases} cases from seed {base}:");
    for (k, n) in &counts {
        eprintln!("  {n:>7}  {k}");
    }
    let failing: Vec<&String> = (divergences.iter())
        .filter(|(o, _)| o.fails())
        .map(|(_, l)| l)
        .collect();
    assert!(
        failing.is_empty(),
        "{} of {cases} cases diverge from checkpolicy 3.4:\n{}",
        failing.len(),
        failing
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
