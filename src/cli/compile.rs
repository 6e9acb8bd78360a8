//! `flaskc checkpolicy`'s (and `flaskc compile`'s) compile of a policy.conf, and writing a
//! binary atomically.

use super::checkpolicy::{CheckpolicyArgs, TargetArg, UnknownArg};
use super::report::{ReportArgs, Reporter};
use crate::binary::{self, WriteOptions};
use crate::policydb::{HandleUnknown, PolicyDb, Target};
use crate::project;
use std::io::Write;
use std::path::Path;

/// `flaskc checkpolicy` (and `flaskc compile`) without `-b`: policy.conf to a binary.
pub(crate) fn compile_conf(args: &CheckpolicyArgs, report: &ReportArgs) -> i32 {
    if let Err(code) = report.leaves_stdout_to(args.output.as_deref()) {
        return code;
    }
    let target = match args.target {
        Some(TargetArg::Xen) => Target::Xen,
        // checkpolicy's default target is SELinux.
        Some(TargetArg::Selinux) | None => Target::Selinux,
    };
    let mut opts = project::Options::new(target);
    opts.sema.mls = args.mls;
    opts.sema.handle_unknown = match args.handle_unknown {
        None | Some(UnknownArg::Deny) => HandleUnknown::Deny,
        Some(UnknownArg::Reject) => HandleUnknown::Reject,
        Some(UnknownArg::Allow) => HandleUnknown::Allow,
    };
    opts.version = args.version;
    opts.werror = args.werror;
    opts.sort_ocontexts = args.sort;
    // The tree comes back to be left to the exit with the rest (see `leave_to_exit`).
    opts.keep_syntax = true;
    if let Err(msg) = project::choose_version(target, opts.version) {
        crate::io::eprintln!("flaskc: {msg}");
        return 2;
    }
    let name = crate::io::input_name(&args.input);
    let reread = crate::io::reread(&args.input);
    let compiled = match compile_in_pieces(&args.input, &name, reread.as_ref(), &opts) {
        Some(Ok(outcome)) => Ok(outcome),
        Some(Err(e)) => Err(e),
        None => {
            // Not UTF-8 is refused rather than changed: a name must reach the binary as
            // written.
            let text = match crate::io::read_text(&args.input) {
                Ok(text) => text,
                Err(e) => {
                    crate::io::eprintln!("flaskc: cannot read {name}: {e}");
                    return 2;
                }
            };
            let mut source = crate::source::SourceFile::new(name, text);
            if let Some(r) = reread {
                source = source.rereadable(r);
            }
            project::compile_file(source, &opts)
        }
    };
    let mut outcome = match compiled {
        Ok(o) => o,
        Err(e) => {
            crate::io::eprintln!("flaskc: {e}");
            return 2;
        }
    };
    let mut reporter = Reporter::new(report);
    reporter.report(&outcome.map, &outcome.diagnostics);
    reporter.finish();
    let mut timings = std::mem::take(&mut outcome.timings);
    let Some(mut db) = outcome.db.take() else {
        reporter.timings(&args.input.display().to_string(), &timings);
        return 1;
    };
    let version = outcome.version;
    if args.optimize {
        if let Err(e) = timings.time("optimize", || {
            crate::policydb::optimize::optimize(&mut db, version)
        }) {
            crate::io::eprintln!("flaskc: {e}");
            return 1;
        }
    }
    let code = match &args.output {
        Some(out) => timings.time("write", || write_binary(&db, version, out)),
        None => 0,
    };
    reporter.timings(&args.input.display().to_string(), &timings);
    super::leave_to_exit((db, outcome));
    code
}

/// Writes the binary to `output` as it is encoded (atomically); the exit code.
pub(crate) fn write_binary(db: &PolicyDb, version: u32, output: &Path) -> i32 {
    let opts = WriteOptions { version };
    let mut fill = |w: &mut dyn Write| binary::write_to(db, &opts, w).map_err(|e| e.to_string());
    super::write_or_report(output, 0, 1, &mut fill)
}

/// Files from this size on are read and parsed in pieces of [`PIECE_LEN`] bytes, so that
/// their text and their syntax tree are never held together (refpolicy's policy.conf is
/// 45 MB).
const PIECES_FROM: u64 = 8 << 20;
const PIECE_LEN: usize = 1 << 20;

/// Compiles a large regular file read in pieces ([`project::compile_pieces`]); `None`
/// when the file is small, not a regular file, or cannot be parsed in pieces (then it is
/// read whole).
fn compile_in_pieces(
    path: &std::path::Path,
    name: &str,
    reread: Option<&crate::source::Reread>,
    opts: &project::Options,
) -> Option<Result<project::Outcome, project::Error>> {
    let pieces = crate::io::TextPieces::open(path, PIECES_FROM, PIECE_LEN)?;
    let source = crate::source::SourceFile::unread(name, reread?.clone());
    project::compile_pieces(source, pieces, opts).transpose()
}
