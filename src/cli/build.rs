//! `flaskc build`: a Xen policy source tree to a binary policy in one process, through
//! [`crate::project::build_tree`]; this file keeps the flags, the output and the exit code.

use super::compile;
use super::report::{ReportArgs, Reporter};
use crate::policydb::Target;
use crate::project::{self, fs::RealFs};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `flaskc build`.
#[derive(Debug, Clone, Args)]
pub(crate) struct BuildArgs {
    /// The policy tree (Xen's `tools/flask/policy` layout).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Output file (default: `output` of the tree's flaskc.toml, else `xenpolicy`).
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// Build the MLS policy (defines `enable_mls`, compiles with MLS).
    #[arg(long = "mls")]
    pub mls: bool,
    /// Policy version to write (24 or 30; default 30).
    #[arg(short = 'c', long = "policy-version")]
    pub version: Option<u32>,
    /// Extra m4 definitions, as `m4 -D`.
    #[arg(short = 'D', value_name = "NAME[=VALUE]")]
    pub defines: Vec<String>,
    /// Treat warnings as errors.
    #[arg(short = 'E')]
    pub werror: bool,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// The project options these flags ask for.
pub(crate) fn options(args: &BuildArgs) -> project::Options {
    let mut opts = project::Options::new(Target::Xen);
    opts.sema.mls = args.mls;
    opts.version = args.version;
    opts.werror = args.werror;
    opts.defines = args
        .defines
        .iter()
        .map(|d| {
            let (k, v) = d.split_once('=').unwrap_or((d, ""));
            (k.to_string(), v.to_string())
        })
        .collect();
    opts
}

/// Builds a tree and writes its binary; the exit code.
pub(crate) fn build(args: &BuildArgs) -> i32 {
    if let Err(code) = args.report.leaves_stdout_to(args.output.as_deref()) {
        return code;
    }
    let mut reporter = Reporter::new(&args.report);
    let mut opts = options(args);
    // The tree comes back to be left to the exit with the rest (see `leave_to_exit`).
    opts.keep_syntax = true;
    let mut outcome = match project::build_tree(&args.dir, &opts, &RealFs) {
        Ok(o) => o,
        Err(e) => {
            crate::io::eprintln!("flaskc: {e}");
            return 2;
        }
    };
    reporter.report(&outcome.map, &outcome.diagnostics);
    reporter.finish();
    let mut timings = std::mem::take(&mut outcome.timings);
    let code = match &outcome.db {
        None => 1,
        Some(db) => {
            let out = output_path(args, &outcome.config);
            timings.time("write", || compile::write_binary(db, outcome.version, &out))
        }
    };
    reporter.timings(&args.dir.display().to_string(), &timings);
    super::leave_to_exit(outcome);
    code
}

/// Where the binary goes: `-o`, else the tree's `output`, else `xenpolicy`.
fn output_path(args: &BuildArgs, cfg: &project::TreeConfig) -> PathBuf {
    match (&args.output, &cfg.output) {
        (Some(o), _) => o.clone(),
        (None, Some(o)) => args.dir.join(o),
        (None, None) => PathBuf::from("xenpolicy"),
    }
}
