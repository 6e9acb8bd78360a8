//! `flaskc checkpolicy`: checkpolicy 3.4's command line. With `-b` the input is a binary
//! policy, which is validated and written back (at `-c`'s version, or its own where
//! checkpolicy would default to 33) or dumped as policy.conf (`-F`) or CIL (`-C`);
//! without `-b` the input is policy.conf source, handed to
//! [`crate::cli::compile::compile_conf`].
//!
//! Output goes through [`crate::io::write_output`], so a failure never leaves a partial
//! file.

use crate::binary::{self, WriteOptions};
use crate::dump;
use crate::io::{input_name, read_input, Expect};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// The version line Xen's build parses (`checkpolicy -V`).
const VERSION_LINE: &str = "33 (compatibility range 33-15)";

/// The platform a source policy is compiled for (`-t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TargetArg {
    /// SELinux (checkpolicy's default).
    Selinux,
    /// Xen.
    Xen,
}

/// What the kernel does with unknown classes and permissions (`-U`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum UnknownArg {
    /// Deny them.
    Deny,
    /// Allow them.
    Allow,
    /// Refuse to load.
    Reject,
}

/// checkpolicy's flags.
#[derive(Args, Debug, Clone)]
#[command(disable_version_flag = true)]
pub(crate) struct CheckpolicyArgs {
    /// Input is a binary policy.
    #[arg(short = 'b')]
    pub binary: bool,
    /// With -b: write a policy.conf dump.
    #[arg(short = 'F')]
    pub conf: bool,
    /// With -b: write a CIL dump.
    #[arg(short = 'C')]
    pub cil: bool,
    /// Enable the MLS policy.
    #[arg(short = 'M')]
    pub mls: bool,
    /// Policy version to write.
    #[arg(short = 'c', value_name = "VERSION")]
    pub version: Option<u32>,
    /// Output file (`-` for standard output).
    #[arg(short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Target platform.
    #[arg(short = 't', value_name = "TARGET", ignore_case = true)]
    pub target: Option<TargetArg>,
    /// Handling of unknown classes and permissions.
    #[arg(short = 'U', value_name = "HANDLE_UNKNOWN", ignore_case = true)]
    pub handle_unknown: Option<UnknownArg>,
    /// Treat warnings as errors.
    #[arg(short = 'E')]
    pub werror: bool,
    /// Optimize the policy.
    #[arg(short = 'O')]
    pub optimize: bool,
    /// Sort ocontexts before writing.
    #[arg(short = 'S')]
    pub sort: bool,
    /// Print the supported policy versions and exit.
    #[arg(short = 'V')]
    pub print_version: bool,
    /// The input file.
    #[arg(default_value = "policy.conf")]
    pub input: PathBuf,
}

/// Arguments of `flaskc compile`: checkpolicy's, and how to report.
#[derive(Args, Debug, Clone)]
pub(crate) struct CompileArgs {
    #[command(flatten)]
    pub policy: CheckpolicyArgs,
    #[command(flatten)]
    pub report: super::report::ReportArgs,
}

/// Runs `flaskc compile` and returns the exit code.
pub(crate) fn run_compile(args: &CompileArgs) -> i32 {
    run(&args.policy, &args.report)
}

/// Runs `flaskc checkpolicy` (diagnostics reported as `report` says) and returns the exit
/// code.
pub(crate) fn run(args: &CheckpolicyArgs, report: &super::report::ReportArgs) -> i32 {
    if args.print_version {
        return super::print_text(0, &format!("{VERSION_LINE}\n"));
    }
    if !args.binary {
        if args.conf || args.cil {
            crate::io::eprintln!("checkpolicy: -F and -C need -b (a binary input)");
            return 2;
        }
        return crate::cli::compile::compile_conf(args, report);
    }
    match run_binary(args) {
        Ok(None) => 0,
        Ok(Some(out)) => {
            let output = args.output.as_deref().unwrap_or("-".as_ref());
            let mut fill =
                |w: &mut dyn std::io::Write| w.write_all(&out).map_err(|e| e.to_string());
            super::write_or_report(output, 0, 1, &mut fill)
        }
        Err(msg) => {
            crate::io::eprintln!("checkpolicy: {msg}");
            1
        }
    }
}

/// `-b`: read and validate, then re-write or dump; what to write to the output, if any.
fn run_binary(args: &CheckpolicyArgs) -> Result<Option<Vec<u8>>, String> {
    if args.conf && args.cil {
        return Err("-F and -C cannot be used together".into());
    }
    let name = input_name(&args.input);
    let bytes =
        read_input(&args.input, Expect::Binary).map_err(|e| format!("cannot read {name}: {e}"))?;
    let mut policy = binary::read(&bytes).map_err(|e| format!("{name}: {e}"))?;
    // checkpolicy insists that -M matches the binary.
    match (policy.db.mls, args.mls) {
        (true, false) => return Err(" MLS policy, but non-MLS is specified".into()),
        (false, true) => return Err(" non-MLS policy, but MLS is specified".into()),
        _ => {}
    }
    if args.output.is_none() {
        return Ok(None);
    }
    // libsepol cannot dump V20..23 files: their attributes have values but no names.
    let attribute_gap =
        (binary::format::V_AVTAB..binary::format::V_BOUNDARY).contains(&policy.version);
    if (args.conf || args.cil) && attribute_gap {
        let what = if args.conf { "a policy.conf" } else { "CIL" };
        return Err(format!(
            "writing policy versions between 20 and 23 as {what} is not supported"
        ));
    }
    let mut version = args.version.unwrap_or(policy.version);
    if policy.version < binary::format::V_BOUNDARY && version > policy.version {
        // checkpolicy says so and writes the file's own version.
        crate::io::eprintln!("Binary policies with version <= 23 cannot be upgraded");
        version = policy.version;
    }
    if !args.conf && !args.cil {
        // checkpolicy writes what libsepol loaded, which differs in places from the file.
        binary::reload_as_libsepol(&mut policy.db, policy.version);
    }
    if args.optimize {
        crate::policydb::optimize::optimize(&mut policy.db, version).map_err(|e| e.to_string())?;
    }
    let out = if args.conf {
        dump::to_conf(&policy.db).into_bytes()
    } else if args.cil {
        dump::to_cil(&policy.db).into_bytes()
    } else {
        binary::write(&policy.db, &WriteOptions { version }).map_err(|e| e.to_string())?
    };
    Ok(Some(out))
}
