//! The command line: one file per subcommand, file I/O, exit codes.
//!
//! Exit codes: 0 success, 1 the input has errors, 2 usage errors (bad flags, missing files),
//! [`EXIT_BROKEN_PIPE`] when standard output is a pipe whose reader has gone.

mod audit2allow;
mod build;
mod check;
mod check_guest;
mod checkpolicy;
mod compile;
mod diff;
mod explain;
mod explain_code;
mod flows;
mod info;
mod label_device;
mod lsp;
mod m4;
mod report;
mod search;
mod transitions;

use crate::io::{write_output, OutputError};
use clap::{CommandFactory, Parser, Subcommand};
use std::ffi::OsString;
use std::io::Write;
use std::path::Path;

/// The exit status when standard output is a pipe whose reader has gone (`flaskc info
/// --types P | head -1`): 128 + SIGPIPE, what a shell reports for a Unix tool killed by
/// SIGPIPE, without a message. Rust ignores SIGPIPE, so the write fails with EPIPE instead.
pub const EXIT_BROKEN_PIPE: i32 = 141;

/// The exit status when a report could not be written to standard output (a full disk).
const EXIT_STDOUT_ERROR: i32 = 2;

/// Leaves a compile's results (syntax tree, source text, database) to the process's exit
/// instead of freeing them: they are millions of allocations, and walking them to free
/// each is pure cost just before `main` returns, when the kernel takes the memory back in
/// one go anyway. Only for what a command holds at its very end; the library (which the
/// language server runs for ever) drops as usual.
pub(crate) fn leave_to_exit<T>(results: T) {
    std::mem::forget(results);
}

/// Writes an output (`-` for standard output) with [`write_output`]; `code` when it was
/// written, else the exit status for the failure: [`EXIT_BROKEN_PIPE`] quietly for a
/// closed pipe, `failed` after a message naming the output otherwise.
pub(crate) fn write_or_report(
    path: &Path,
    code: i32,
    failed: i32,
    fill: crate::io::Fill<'_>,
) -> i32 {
    match write_output(path, fill) {
        Ok(()) => code,
        Err(e) => output_failure(path, e, failed),
    }
}

/// The exit status for an output that could not be written, after a message naming it
/// (none for a closed pipe).
fn output_failure(path: &Path, e: OutputError, failed: i32) -> i32 {
    match e {
        OutputError::BrokenPipe => EXIT_BROKEN_PIPE,
        OutputError::Failed(why) if crate::io::is_std(path) => {
            crate::io::eprintln!("flaskc: error writing standard output: {why}");
            failed
        }
        OutputError::Failed(why) => {
            crate::io::eprintln!("flaskc: error: cannot write {}: {why}", path.display());
            failed
        }
    }
}

/// Prints a report on standard output; `code` when it was written, else the exit status
/// of the failure (see [`write_or_report`]).
pub(crate) fn print_report(
    code: i32,
    mut report: impl FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> i32 {
    let mut fill = |w: &mut dyn Write| report(w).map_err(|e| e.to_string());
    write_or_report(Path::new("-"), code, EXIT_STDOUT_ERROR, &mut fill)
}

/// Prints text on standard output (see [`print_report`]).
pub(crate) fn print_text(code: i32, text: &str) -> i32 {
    print_report(code, |w| w.write_all(text.as_bytes()))
}

/// Why a binary policy named on the command line cannot be used.
#[derive(Debug)]
pub(crate) enum PolicyInputError {
    /// The file cannot be read (exit code 2).
    Unreadable {
        /// The file as messages name it.
        name: String,
        /// Why.
        why: crate::io::InputError,
    },
    /// The file is not a policy the reader accepts (exit code 1).
    Invalid {
        /// The file as messages name it.
        name: String,
        /// Why.
        why: crate::binary::ReadError,
    },
}

impl PolicyInputError {
    /// The exit code of the query tools: 2 when the file cannot be read, 1 when it is not
    /// a valid policy.
    pub(crate) fn code(&self) -> i32 {
        match self {
            PolicyInputError::Unreadable { .. } => 2,
            PolicyInputError::Invalid { .. } => 1,
        }
    }
}

impl std::fmt::Display for PolicyInputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PolicyInputError::Unreadable { name, why } => write!(f, "cannot read `{name}`: {why}"),
            PolicyInputError::Invalid { name, why } => write!(f, "`{name}`: {why}"),
        }
    }
}

/// Why a subcommand could not do its job: a message and the exit code it calls for.
#[derive(Debug)]
pub(crate) struct Failure {
    message: String,
    code: i32,
}

impl Failure {
    /// Prints the message; the exit code.
    pub(crate) fn report(self) -> i32 {
        crate::io::eprintln!("flaskc: {}", self.message);
        self.code
    }
}

/// A usage or I/O problem (exit code 2).
impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure { message, code: 2 }
    }
}

/// An unreadable file (2) or an invalid policy (1).
impl From<PolicyInputError> for Failure {
    fn from(e: PolicyInputError) -> Failure {
        Failure {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

/// Reads the binary policy every query and admin tool starts from.
pub(crate) fn read_policy(path: &Path) -> Result<crate::binary::ReadPolicy, PolicyInputError> {
    let name = crate::io::input_name(path);
    let bytes = crate::io::read_input(path, crate::io::Expect::Binary).map_err(|why| {
        PolicyInputError::Unreadable {
            name: name.clone(),
            why,
        }
    })?;
    crate::binary::read(&bytes).map_err(|why| PolicyInputError::Invalid { name, why })
}

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
    /// Explain a diagnostic code (`flaskc explain-code undefined-type`), as `rustc --explain`.
    ExplainCode(explain_code::ExplainCodeArgs),
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
    Compile(checkpolicy::CompileArgs),
    /// Statistics and symbol listings of a binary policy (like seinfo).
    Info(info::InfoArgs),
    /// Type enforcement rules of a binary policy matching filters (like sesearch).
    Search(search::SearchArgs),
    /// What two binary policies differ in, by name (like sediff).
    Diff(diff::DiffArgs),
    /// Information flows between types: shortest paths, all paths, direct flows (like
    /// seinfoflow), weighed with a permission map.
    Flows(flows::FlowsArgs),
    /// Which domain types can become which (like sedta; Xen: relabel, create, derived labels).
    Transitions(transitions::TransitionsArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// A language server (LSP over standard input/output) for editors.
    Lsp(lsp::LspArgs),
    /// Expand macros exactly as GNU m4 1.4.19 does (usable as `make M4='flaskc m4'`).
    #[command(disable_help_flag = true)]
    M4 {
        /// GNU m4 options and files: -D, -U, -I, -s, -P, -E, -L, --allow-shell, `-` for stdin.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
}

/// The command line's definition (for completions, the manual page and tests).
pub fn command() -> clap::Command {
    Cli::command()
}

/// The manual page (`docs/flaskc.1`): the command, then a section per subcommand.
///
/// # Errors
/// Only when writing to memory fails.
pub fn man_page() -> std::io::Result<Vec<u8>> {
    let cmd = Cli::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut out)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("flaskc {}", sub.get_name());
        out.extend_from_slice(format!(".SH \"{}\"\n", name.to_uppercase()).as_bytes());
        let sub = sub.clone().name(name);
        clap_mangen::Man::new(sub.clone()).render_synopsis_section(&mut out)?;
        clap_mangen::Man::new(sub.clone()).render_description_section(&mut out)?;
        clap_mangen::Man::new(sub).render_options_section(&mut out)?;
    }
    Ok(out)
}

/// Runs flaskc with these arguments (the program name first) and returns the exit code,
/// which also says when standard output or error could not be written
/// ([`crate::io::exit_status`]).
pub fn run(args: Vec<OsString>) -> i32 {
    crate::io::exit_status(dispatch(args))
}

/// Runs the subcommand; its exit code.
fn dispatch(args: Vec<OsString>) -> i32 {
    match Cli::try_parse_from(args) {
        Ok(cli) => match cli.command {
            Command::Build(args) => build::build(&args),
            Command::Explain(args) => explain::run(&args),
            Command::ExplainCode(args) => explain_code::run(&args),
            Command::Audit2allow(args) => audit2allow::run(&args),
            Command::CheckGuest(args) => check_guest::run(&args),
            Command::LabelDevice(args) => label_device::run(&args),
            Command::Check(args) => check::run(args),
            Command::Checkpolicy(args) => checkpolicy::run(&args, &report::ReportArgs::default()),
            Command::Compile(args) => checkpolicy::run_compile(&args),
            Command::Lsp(args) => lsp::run(&args),
            Command::M4 { args } => m4::run(&args),
            Command::Completions { shell } => print_report(0, |w| {
                clap_complete::generate(shell, &mut Cli::command(), "flaskc", w);
                Ok(())
            }),
            Command::Info(args) => info::run(&args),
            Command::Search(args) => search::run(&args),
            Command::Diff(args) => diff::run(&args),
            Command::Flows(args) => flows::run(&args),
            Command::Transitions(args) => transitions::run(&args),
        },
        Err(e) if e.use_stderr() => {
            let _ = e.print();
            2
        }
        // --help and --version, on standard output.
        Err(e) => match e.print() {
            Ok(()) => 0,
            Err(err) => output_failure(
                Path::new("-"),
                OutputError::from_io(&err),
                EXIT_STDOUT_ERROR,
            ),
        },
    }
}
