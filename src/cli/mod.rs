//! The command line: one file per subcommand, file I/O, exit codes.
//!
//! Exit codes: 0 success, 1 the input has errors, 2 usage errors (bad flags, missing files).

mod audit2allow;
mod build;
mod check;
mod check_guest;
mod checkpolicy;
mod compile;
mod diff;
mod explain;
mod info;
mod label_device;
mod m4;
mod search;

use clap::{Parser, Subcommand};
use std::ffi::OsString;

/// flaskc: a FLASK policy compiler for Xen XSM policies.
#[derive(Parser, Debug)]
#[command(name = "flaskc", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Explain the denials of a Xen AVC log (`xl dmesg`) against a binary policy.
    Explain(explain::ExplainArgs),
    /// Propose `.te` text (interface calls, allow rules, booleans) for the denials of a log.
    Audit2allow(audit2allow::Audit2allowArgs),
    /// Check the labels of xl configuration files and relate the domains they start.
    CheckGuest(check_guest::CheckGuestArgs),
    /// The label the policy gives a device and the domains that may use it.
    LabelDevice(label_device::LabelDeviceArgs),
    /// Build a policy source tree (Xen's layout) into a binary policy, in one process.
    Build(build::BuildArgs),
    /// Compile policy.conf files or policy trees and report every problem, writing nothing.
    Check(check::CheckArgs),
    /// checkpolicy 3.4's command line: compile policy.conf, or with -b re-write or dump a
    /// binary policy.
    Checkpolicy(checkpolicy::CheckpolicyArgs),
    /// Compile a policy.conf into a binary policy (the same flags as `checkpolicy`).
    Compile(checkpolicy::CheckpolicyArgs),
    /// Statistics and symbol listings of a binary policy (like seinfo).
    Info(info::InfoArgs),
    /// Type enforcement rules of a binary policy matching filters (like sesearch).
    Search(search::SearchArgs),
    /// What two binary policies differ in, by name (like sediff).
    Diff(diff::DiffArgs),
    /// Expand macros exactly as GNU m4 1.4.19 does (usable as `make M4='flaskc m4'`).
    #[command(disable_help_flag = true)]
    M4 {
        /// GNU m4 options and files: -D, -U, -I, -s, -P, -E, -L, --allow-shell, `-` for stdin.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
}

/// Runs flaskc with these arguments (the program name first) and returns the exit code.
pub fn run(args: Vec<OsString>) -> i32 {
    match Cli::try_parse_from(args) {
        Ok(cli) => match cli.command {
            Command::Build(args) => build::build(&args),
            Command::Explain(args) => explain::run(&args),
            Command::Audit2allow(args) => audit2allow::run(&args),
            Command::CheckGuest(args) => check_guest::run(&args),
            Command::LabelDevice(args) => label_device::run(&args),
            Command::Check(args) => check::run(args),
            Command::Checkpolicy(args) | Command::Compile(args) => checkpolicy::run(&args),
            Command::M4 { args } => m4::run(&args),
            Command::Info(args) => info::run(&args),
            Command::Search(args) => search::run(&args),
            Command::Diff(args) => diff::run(&args),
        },
        Err(e) => {
            let _ = e.print();
            if e.use_stderr() {
                2
            } else {
                0
            }
        }
    }
}
