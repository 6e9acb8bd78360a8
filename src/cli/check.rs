//! `flaskc check`: compile policy.conf files and report every problem, writing nothing.
//!
//! Without `-t`/`-M`, the target and MLS are inferred from the statements: Xen or SELinux
//! object contexts name the target, `sensitivity` statements mean MLS. Diagnostics are
//! printed as `--message-format` asks (see [`super::report`]). Exit code 0 when clean, 1
//! when any file has errors, 2 when a file cannot be read.

use super::report::{ReportArgs, Reporter};
use crate::project::fs::RealFs;
use crate::{binary, policydb, project};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};

/// The policy flavour, as checkpolicy's `-t` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// Xen XSM policies.
    Xen,
    /// SELinux policies.
    Selinux,
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
    #[command(flatten)]
    pub(crate) report: ReportArgs,
    /// Check binary policy files instead: report what Xen's loader would refuse.
    #[arg(long)]
    pub binary: bool,
    /// The policy.conf files, or policy trees (directories in Xen's layout), to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// What one file or tree gave: whether it compiled, or the exit code of a failure to
/// read it.
type Checked = Result<bool, i32>;

/// Compiles one policy.conf without writing it and reports its diagnostics.
fn check_conf(path: &Path, args: &CheckArgs, reporter: &mut Reporter) -> Checked {
    // Not UTF-8 is refused rather than changed: a name must reach the binary as written.
    let text = crate::io::read_text(path).map_err(|e| {
        crate::io::eprintln!("error: cannot read `{}`: {e}", crate::io::input_name(path));
        2
    })?;
    let (target, mls) = project::infer_target(&text);
    let target = match args.target {
        Some(Target::Xen) => policydb::Target::Xen,
        Some(Target::Selinux) => policydb::Target::Selinux,
        None => target,
    };
    let mut opts = project::Options::new(target);
    opts.sema.mls = args.mls || (args.target.is_none() && mls);
    opts.for_writing = false;
    let name = path.display().to_string();
    report(&name, project::compile(name.clone(), text, &opts), reporter)
}

/// Builds one tree without writing it and reports its diagnostics.
fn check_tree(dir: &Path, args: &CheckArgs, reporter: &mut Reporter) -> Checked {
    let mut opts = project::Options::new(policydb::Target::Xen);
    opts.sema.mls = args.mls;
    opts.for_writing = false;
    let outcome = project::build_tree(dir, &opts, &RealFs);
    report(&dir.display().to_string(), outcome, reporter)
}

/// Reports a compile of `what`: its diagnostics and timings, or why it could not run.
fn report(
    what: &str,
    outcome: Result<project::Outcome, project::Error>,
    reporter: &mut Reporter,
) -> Checked {
    let outcome = outcome.map_err(|e| {
        crate::io::eprintln!("error: {e}");
        2
    })?;
    reporter.report(&outcome.map, &outcome.diagnostics);
    reporter.timings(what, &outcome.timings);
    Ok(!outcome.failed())
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
    let mut reporter = Reporter::new(&args.report);
    let mut code = 0;
    for path in &args.files {
        let checked = if path.is_dir() {
            check_tree(path, &args, &mut reporter)
        } else {
            check_conf(path, &args, &mut reporter)
        };
        match checked {
            Ok(clean) => code = code.max(i32::from(!clean)),
            Err(failure) => {
                code = failure;
                break;
            }
        }
    }
    reporter.finish();
    code
}
