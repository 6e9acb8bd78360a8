//! Printing a compile's diagnostics, writing its binary atomically, and `flaskc
//! checkpolicy`'s compile of a policy.conf.

use super::checkpolicy::{CheckpolicyArgs, TargetArg, UnknownArg};
use crate::binary::{self, WriteOptions};
use crate::diag::{self, Diagnostic};
use crate::policydb::{HandleUnknown, PolicyDb, Target};
use crate::project;
use crate::source::SourceMap;
use std::io::Write;
use std::path::Path;

/// Prints diagnostics to standard error, rendered or as JSON lines.
pub(crate) fn emit(map: &SourceMap, diags: &[Diagnostic], json: bool) {
    let mut err = std::io::stderr().lock();
    if json {
        for d in diags {
            let _ = writeln!(err, "{}", diag::to_json(d, map));
        }
    } else {
        let _ = err.write_all(diag::render(diags, map).as_bytes());
    }
}

/// `flaskc checkpolicy` (and `flaskc compile`) without `-b`: policy.conf to a binary.
pub(crate) fn compile_conf(args: &CheckpolicyArgs) -> i32 {
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
    if let Err(msg) = project::choose_version(target, opts.version) {
        crate::io::eprintln!("flaskc: {msg}");
        return 2;
    }
    let name = crate::io::input_name(&args.input);
    // Not UTF-8 is refused rather than changed: a name must reach the binary as written.
    let text = match crate::io::read_text(&args.input) {
        Ok(text) => text,
        Err(e) => {
            crate::io::eprintln!("flaskc: cannot read {name}: {e}");
            return 2;
        }
    };
    let outcome = match project::compile(name, text, &opts) {
        Ok(o) => o,
        Err(e) => {
            crate::io::eprintln!("flaskc: {e}");
            return 2;
        }
    };
    emit(&outcome.map, &outcome.diagnostics, false);
    let Some(mut db) = outcome.db else {
        return 1;
    };
    if args.optimize {
        if let Err(e) = crate::policydb::optimize::optimize(&mut db, outcome.version) {
            crate::io::eprintln!("flaskc: {e}");
            return 1;
        }
    }
    match &args.output {
        Some(out) => write_binary(db, outcome.version, out),
        None => 0,
    }
}

/// Writes the binary to `output` as it is encoded (atomically); the exit code.
pub(crate) fn write_binary(db: PolicyDb, version: u32, output: &Path) -> i32 {
    let opts = WriteOptions { version };
    let mut fill = |w: &mut dyn Write| binary::write_to(&db, &opts, w).map_err(|e| e.to_string());
    super::write_or_report(output, 0, 1, &mut fill)
}
