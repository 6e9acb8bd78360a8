//! `flaskc explain`: why each denial of a Xen AVC log happened, against a binary policy.
//!
//! Reads the policy, optionally the policy tree (`--source`, for hints at lines), and the
//! log (a file or standard input) one line at a time, keeping only the distinct denials;
//! then prints one block per distinct denial, or JSON.
//! Exit codes: 0 when every AVC line was read, 1 when some could not be (they are listed
//! on standard error), 2 when a file cannot be read.

use crate::avc;
use crate::explain::{self, TreeFile};
use crate::policydb::PolicyDb;
use clap::Args;
use std::path::{Path, PathBuf};

/// Arguments of `flaskc explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub input: LogInput,
}

/// The inputs `explain` and `audit2allow` share.
#[derive(Debug, Args)]
pub struct LogInput {
    /// The binary policy the hypervisor runs.
    #[arg(long)]
    pub policy: PathBuf,
    /// The policy tree it was built from (for hints at lines, and `xen.if` interfaces).
    #[arg(long)]
    pub source: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub bools: BoolArgs,
    /// The log (`xl dmesg` output); standard input when absent or `-`.
    pub log: Option<PathBuf>,
}

/// The running boolean states, where they differ from the policy's defaults.
#[derive(Debug, Args)]
pub struct BoolArgs {
    /// A boolean's running state, `NAME=0|1` (repeatable; after `--bools`).
    #[arg(long = "bool", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// `flask-get-bool -a` output (`NAME: 0|1`, or `NAME: C (pending P)`); `-` for
    /// standard input.
    #[arg(long = "bools", value_name = "FILE")]
    pub file: Option<PathBuf>,
}

impl BoolArgs {
    /// The states (by boolean value - 1): defaults, then the file, then `--bool`.
    pub(super) fn states(&self, db: &PolicyDb) -> Result<Vec<bool>, String> {
        let text = match &self.file {
            Some(f) => {
                crate::io::read_text(f).map_err(|e| format!("{}: {e}", crate::io::input_name(f)))?
            }
            None => String::new(),
        };
        explain::bool_states(db, &text, &self.set).map_err(|e| e.to_string())
    }
}

/// What the shared inputs load to.
pub(super) struct Loaded {
    pub db: PolicyDb,
    pub tree: Vec<TreeFile>,
    /// The log's denials, explained.
    pub report: explain::Report,
    /// The exit code for the log: 1 when some AVC lines could not be read.
    pub code: i32,
}

/// Reads the policy and the tree, then the log as a stream (one line at a time, keeping
/// the distinct denials), printing its unreadable AVC lines as they come.
pub(super) fn load(input: &LogInput) -> Result<Loaded, super::Failure> {
    let log = input.log.as_deref().unwrap_or(Path::new("-"));
    let stdin_users = [Some(log), Some(&input.policy), input.bools.file.as_deref()]
        .into_iter()
        .flatten()
        .filter(|p| crate::io::is_std(p))
        .count();
    if stdin_users > 1 {
        return Err(String::from(
            "standard input can be only one of the policy, the log and --bools",
        )
        .into());
    }
    let db = super::read_policy(&input.policy)?.db;
    let states = input.bools.states(&db)?;
    let tree = match &input.source {
        Some(dir) => tree_files(dir)?,
        None => Vec::new(),
    };
    let mut denials = explain::Denials::default();
    let mut problems = false;
    crate::io::for_each_line(log, |n, line| {
        match avc::parse_line(line, u32::try_from(n).unwrap_or(u32::MAX)) {
            Some(Ok(r)) => denials.add(r),
            Some(Err(p)) => {
                problems = true;
                crate::io::eprintln!("flaskc: unreadable AVC line: {p}");
            }
            None => {}
        }
    })
    .map_err(|e| format!("{}: {e}", crate::io::input_name(log)))?;
    let report = denials.explain(&db, &tree, &states);
    Ok(Loaded {
        db,
        tree,
        report,
        code: i32::from(problems),
    })
}

/// The text files of a policy tree that hold statements: `modules/*` and `policy/*`
/// (plus `policy/modules/*` in the Xen 4.2–4.7 layout), sorted by path.
fn tree_files(dir: &Path) -> Result<Vec<TreeFile>, String> {
    if !dir.is_dir() {
        return Err(format!("{}: not a directory", dir.display()));
    }
    let mut out = Vec::new();
    for sub in ["modules", "policy", "policy/modules"] {
        let Ok(rd) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if !p.is_file() {
                continue;
            }
            if let Ok(text) = crate::io::read_text(&p) {
                let name = e.file_name().to_string_lossy().into_owned();
                out.push(TreeFile {
                    path: format!("{sub}/{name}"),
                    text,
                });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Runs `flaskc explain`; the exit code.
pub(crate) fn run(args: &ExplainArgs) -> i32 {
    let loaded = match load(&args.input) {
        Ok(l) => l,
        Err(e) => return e.report(),
    };
    let text = if args.input.json {
        format!("{}\n", explain::to_json(&loaded.report))
    } else {
        explain::render(&loaded.report)
    };
    super::print_text(loaded.code, &text)
}
