//! `flaskc explain`: why each denial of a Xen AVC log happened, against a binary policy.
//!
//! Reads the policy, the log (a file or standard input) and optionally the policy tree
//! (`--source`, for hints at lines), then prints one block per distinct denial, or JSON.
//! Exit codes: 0 when every AVC line was read, 1 when some could not be (they are listed
//! on standard error), 2 when a file cannot be read.

use crate::explain::{self, TreeFile};
use crate::policydb::PolicyDb;
use crate::{avc, binary};
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
    /// The log (`xl dmesg` output); standard input when absent or `-`.
    pub log: Option<PathBuf>,
}

/// What the shared inputs load to.
pub(super) struct Loaded {
    pub db: PolicyDb,
    pub tree: Vec<TreeFile>,
    pub log: avc::AvcLog,
}

/// Reads the policy, the tree and the log, and parses the log.
pub(super) fn load(input: &LogInput) -> Result<Loaded, String> {
    let db = read_policy(&input.policy)?;
    let tree = match &input.source {
        Some(dir) => tree_files(dir)?,
        None => Vec::new(),
    };
    let log = input.log.as_deref().unwrap_or(Path::new("-"));
    let bytes = crate::io::read_input(log, crate::io::Expect::Bytes)
        .map_err(|e| format!("{}: {e}", crate::io::input_name(log)))?;
    let text = String::from_utf8_lossy(&bytes);
    Ok(Loaded {
        db,
        tree,
        log: avc::parse(&text),
    })
}

/// Reads a binary policy; the error names the file.
pub(super) fn read_policy(path: &Path) -> Result<PolicyDb, String> {
    crate::io::read_input(path, crate::io::Expect::Binary)
        .map_err(|e| e.to_string())
        .and_then(|b| binary::read(&b).map_err(|e| e.to_string()))
        .map(|p| p.db)
        .map_err(|e| format!("{}: {e}", crate::io::input_name(path)))
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
            if let Ok(text) = std::fs::read_to_string(&p) {
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

/// Prints the unreadable AVC lines; the exit code for them.
pub(super) fn report_problems(log: &avc::AvcLog) -> i32 {
    for p in &log.problems {
        eprintln!("flaskc: unreadable AVC line: {p}");
    }
    i32::from(!log.problems.is_empty())
}

/// Runs `flaskc explain`; the exit code.
pub(crate) fn run(args: &ExplainArgs) -> i32 {
    let loaded = match load(&args.input) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("flaskc: {e}");
            return 2;
        }
    };
    let report = explain::explain(&loaded.db, &loaded.log.records, &loaded.tree);
    let text = if args.input.json {
        format!("{}\n", explain::to_json(&report))
    } else {
        explain::render(&report)
    };
    let code = report_problems(&loaded.log);
    super::print_text(code, &text)
}
