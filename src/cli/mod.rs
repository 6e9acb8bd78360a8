//! The command line: one file per subcommand, file I/O, exit codes.
//!
//! Exit codes: 0 success, 1 the input has errors, 2 usage errors (bad flags, missing files).

mod m4;

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
            Command::M4 { args } => m4::run(&args),
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
