//! Compiling policy.conf text to a binary policy: parse, lower, check what the target can
//! hold, write atomically.

use crate::diag::{self, Diagnostic, Severity};
use crate::policydb::PolicyDb;
use crate::sema;
use crate::source::{FileId, SourceMap};
use crate::syntax;
use std::io::Write;

/// The policy versions checkpolicy 3.4 can write for Xen (binary-format.md §0.1).
pub(crate) const XEN_VERSIONS: [u32; 2] = [24, 30];

/// Everything a compile needs besides the text.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// The semantic options (target, MLS, handle_unknown).
    pub sema: sema::Options,
    /// The policy version to write; `None` for the target's default.
    pub version: Option<u32>,
    /// Warnings become errors (`-E`).
    pub werror: bool,
    /// Sort the Xen object contexts (`-S`).
    pub sort_ocontexts: bool,
    /// Print diagnostics as JSON lines.
    pub json: bool,
}

/// Parses and lowers one file of `map`, prints its diagnostics (after `remap`, which may
/// move them to the files the text came from); the database when there was no error.
pub(crate) fn lower_file(
    map: &mut SourceMap,
    file: FileId,
    req: &Request,
    remap: &dyn Fn(Vec<Diagnostic>, &SourceMap) -> Vec<Diagnostic>,
) -> Option<PolicyDb> {
    let (ast, mut diags) = syntax::parse(map, file);
    let mut db = None;
    if !diags.iter().any(Diagnostic::is_error) {
        let lowered = sema::lower(&ast, file, &req.sema);
        diags.extend(lowered.diagnostics);
        db = lowered.db;
    }
    if let Some(db) = db.as_mut() {
        if req.sort_ocontexts {
            db.sort_ocontexts();
        }
    }
    let mut diags = dedup(remap(diags, map));
    emit(map, &mut diags, req);
    if diags.iter().any(Diagnostic::is_error) {
        None
    } else {
        db
    }
}

/// Prints diagnostics to standard error; with `-E` warnings are turned into errors first.
pub(crate) fn emit(map: &SourceMap, diags: &mut [Diagnostic], req: &Request) {
    if req.werror {
        for d in diags.iter_mut() {
            if d.severity == Severity::Warning {
                d.severity = Severity::Error;
            }
        }
    }
    let mut err = std::io::stderr().lock();
    if req.json {
        for d in diags.iter() {
            let _ = writeln!(err, "{}", diag::to_json(d, map));
        }
    } else {
        let _ = err.write_all(diag::render(diags, map).as_bytes());
    }
}

/// Drops repeats of one diagnostic (a macro used twice can make the same mistake twice at
/// the same place).
fn dedup(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::with_capacity(diags.len());
    for d in diags {
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}
