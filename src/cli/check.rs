//! `flaskc check`: compile policy.conf files and report every problem, writing nothing.
//!
//! Without `-t`/`-M`, the target and MLS are inferred from the statements: Xen or SELinux
//! object contexts name the target, `sensitivity` statements mean MLS. Diagnostics go to
//! standard error, as text (`--message-format human`) or as one JSON
//! object per line (`--message-format json`). Exit code 0 when clean, 1 when any file has
//! errors, 2 when a file cannot be read.

use super::compile::emit;
use crate::{binary, policydb, project};
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
    /// The target platform (`-t` as checkpolicy takes it); inferred when absent.
    #[arg(short = 't', long = "target", value_enum, ignore_case = true)]
    pub target: Option<Target>,
    /// Enable MLS (as checkpolicy's `-M`); inferred from `sensitivity` statements when absent.
    #[arg(short = 'M', long = "mls")]
    pub mls: bool,
    /// How to print diagnostics.
    #[arg(long = "message-format", value_enum, default_value = "human")]
    pub message_format: MessageFormat,
    /// Check binary policy files instead: report what Xen's loader would refuse.
    #[arg(long)]
    pub binary: bool,
    /// The policy.conf files, or policy trees (directories in Xen's layout), to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Compiles one policy.conf without writing it, printing its diagnostics; whether it is
/// free of errors.
fn check_conf(name: String, text: String, args: &CheckArgs) -> bool {
    let (target, mls) = project::infer_target(&text);
    let target = match args.target {
        Some(Target::Xen) => policydb::Target::Xen,
        Some(Target::Selinux) => policydb::Target::Selinux,
        None => target,
    };
    let mut opts = project::Options::new(target);
    opts.sema.mls = args.mls || (args.target.is_none() && mls);
    opts.for_writing = false;
    let json = args.message_format == MessageFormat::Json;
    match project::compile(name, text, &opts) {
        Ok(outcome) => {
            emit(&outcome.map, &outcome.diagnostics, json);
            !outcome.failed()
        }
        // The default version always exists.
        Err(e) => {
            crate::io::eprintln!("error: {e}");
            false
        }
    }
}

/// Reads binary policies and prints why the reader or Xen 4.22's loader would refuse each;
/// exit code 0 when all load, 1 when any is refused, 2 when a file cannot be read.
fn check_binaries(files: &[PathBuf]) -> i32 {
    let mut code = 0;
    for path in files {
        match super::read_policy(path) {
            Ok(p) => {
                let refusals = binary::xen_loader_check(&p.db, p.version);
                for r in &refusals {
                    crate::io::eprintln!(
                        "error: `{}`: Xen 4.22's loader would refuse it: {r}",
                        path.display()
                    );
                }
                code = code.max(i32::from(!refusals.is_empty()));
            }
            Err(e) => {
                crate::io::eprintln!("error: {e}");
                code = code.max(e.code());
            }
        }
    }
    code
}

/// Runs `flaskc check` and returns the exit code.
pub fn run(args: CheckArgs) -> i32 {
    if args.binary {
        return check_binaries(&args.files);
    }
    let mut failed = false;
    let stderr = std::io::stderr();
    for path in &args.files {
        if path.is_dir() {
            let build = super::build::BuildArgs {
                dir: path.clone(),
                output: None,
                mls: args.mls,
                version: None,
                defines: Vec::new(),
                werror: false,
                message_format: match args.message_format {
                    MessageFormat::Human => "human".into(),
                    MessageFormat::Json => "json".into(),
                },
                check_only: true,
            };
            match super::build::build(&build) {
                0 => {}
                1 => failed = true,
                code => return code,
            }
            continue;
        }
        // Not UTF-8 is refused rather than changed: a name must reach the binary as written.
        let text = match crate::io::read_text(path) {
            Ok(text) => text,
            Err(e) => {
                let _ = writeln!(
                    stderr.lock(),
                    "error: cannot read `{}`: {e}",
                    crate::io::input_name(path)
                );
                return 2;
            }
        };
        failed |= !check_conf(path.display().to_string(), text, &args);
    }
    i32::from(failed)
}
