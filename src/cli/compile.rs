//! Compiling policy.conf source for `flaskc checkpolicy` (without `-b`).

use crate::cli::checkpolicy::CheckpolicyArgs;

/// Compiles the source policy named by `args`; returns the exit code.
pub(crate) fn compile_conf(args: &CheckpolicyArgs) -> i32 {
    let _ = args;
    eprintln!("checkpolicy: compiling from source is not available yet");
    1
}
