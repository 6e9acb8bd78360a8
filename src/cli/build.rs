//! `flaskc build`: a Xen policy source tree to a binary policy in one process, through
//! [`crate::project::build_tree`]; this file keeps the flags, the output and the exit code.

use super::compile;
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
    /// Print diagnostics as JSON lines.
    #[arg(long = "message-format", default_value = "human", value_parser = ["human", "json"])]
    pub message_format: String,
    /// Check only: write nothing.
    #[arg(skip)]
    pub check_only: bool,
}

/// The project options these flags ask for.
pub(crate) fn options(args: &BuildArgs) -> project::Options {
    let mut opts = project::Options::new(Target::Xen);
    opts.sema.mls = args.mls;
    opts.version = args.version;
    opts.werror = args.werror;
    opts.for_writing = !args.check_only;
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

/// Builds (or checks) a tree; the exit code.
pub(crate) fn build(args: &BuildArgs) -> i32 {
    let outcome = match project::build_tree(&args.dir, &options(args), &RealFs) {
        Ok(o) => o,
        Err(e) => {
            crate::io::eprintln!("flaskc: {e}");
            return 2;
        }
    };
    compile::emit(
        &outcome.map,
        &outcome.diagnostics,
        args.message_format == "json",
    );
    let Some(db) = outcome.db else {
        return 1;
    };
    if args.check_only {
        return 0;
    }
    let out = match &args.output {
        Some(o) => o.clone(),
        None => match project::config::read(&args.dir, &RealFs) {
            Ok(cfg) => cfg
                .output
                .map_or_else(|| PathBuf::from("xenpolicy"), |o| args.dir.join(o)),
            Err(e) => {
                crate::io::eprintln!("flaskc: {e}");
                return 2;
            }
        },
    };
    compile::write_binary(db, outcome.version, &out)
}
