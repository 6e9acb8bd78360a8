//! `flaskc check`: parse policy.conf files and report every problem, writing nothing.
//!
//! Diagnostics go to standard error, as text (`--message-format human`) or as one JSON
//! object per line (`--message-format json`). Exit code 0 when clean, 1 when any file has
//! errors, 2 when a file cannot be read.

use crate::diag::{self, Diagnostic};
use crate::source::{FileId, SourceFile, SourceMap};
use crate::syntax;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

/// The policy flavour, as checkpolicy's `-t` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// Xen XSM policies.
    Xen,
    /// SELinux policies.
    Selinux,
}

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// Rendered text with source excerpts.
    Human,
    /// One JSON object per line.
    Json,
}

/// Arguments of `flaskc check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The target platform (`-t` as checkpolicy takes it).
    #[arg(
        short = 't',
        long = "target",
        value_enum,
        default_value = "xen",
        ignore_case = true
    )]
    pub target: Target,
    /// Enable MLS (as checkpolicy's `-M`).
    #[arg(short = 'M', long = "mls")]
    pub mls: bool,
    /// How to print diagnostics.
    #[arg(long = "message-format", value_enum, default_value = "human")]
    pub message_format: MessageFormat,
    /// The policy.conf files to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Everything `check` finds in one policy.conf already in `map`: today syntax, later the
/// semantic pass too. Kept as one function so that later stages plug in here.
pub fn check_conf(map: &mut SourceMap, file: FileId) -> Vec<Diagnostic> {
    let (_policy, diags) = syntax::parse(map, file);
    diags
}

/// Runs `flaskc check` and returns the exit code.
pub fn run(args: CheckArgs) -> i32 {
    let mut map = SourceMap::new();
    let mut failed = false;
    let stderr = std::io::stderr();
    for path in &args.files {
        let text = match std::fs::read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                let _ = writeln!(
                    stderr.lock(),
                    "error: cannot read `{}`: {e}",
                    path.display()
                );
                return 2;
            }
        };
        let file = map.add(SourceFile::new(path.display().to_string(), text));
        let diags = check_conf(&mut map, file);
        failed |= diags.iter().any(Diagnostic::is_error);
        let mut out = stderr.lock();
        let _ = match args.message_format {
            MessageFormat::Human => write!(out, "{}", diag::render(&diags, &map)),
            MessageFormat::Json => diags
                .iter()
                .try_for_each(|d| writeln!(out, "{}", diag::to_json(d, &map))),
        };
    }
    i32::from(failed)
}
