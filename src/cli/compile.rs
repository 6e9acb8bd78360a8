//! Compiling policy.conf text to a binary policy: parse, lower, check what the target can
//! hold, write atomically.

use super::checkpolicy::{CheckpolicyArgs, TargetArg, UnknownArg};
use crate::binary::{self, WriteOptions};
use crate::diag::{self, Diagnostic, Severity};
use crate::policydb::{avkind, HandleUnknown, PolicyDb, Target};
use crate::sema::{self, Origins};
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::syntax;
use std::io::Write;
use std::path::Path;

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

/// How diagnostics about the compiled text are moved to the files it came from (the
/// identity for a policy.conf; through the m4 origins for `flaskc build`).
pub(crate) type Remap<'a> = &'a dyn Fn(Vec<Diagnostic>, &SourceMap) -> Vec<Diagnostic>;

/// Parses and lowers one file of `map` and, when `version` is given, checks what that
/// version and Xen's loader can take; prints every diagnostic (after `remap`). The
/// database when there was no error.
pub(crate) fn lower_file(
    map: &mut SourceMap,
    file: FileId,
    req: &Request,
    version: Option<u32>,
    remap: Remap<'_>,
) -> Option<PolicyDb> {
    let (ast, mut diags) = syntax::parse(map, file);
    let mut db = None;
    if !diags.iter().any(Diagnostic::is_error) {
        let lowered = sema::lower(&ast, file, &req.sema);
        diags.extend(lowered.diagnostics);
        if let (Some(db), Some(v)) = (&lowered.db, version) {
            diags.extend(version_diagnostics(db, &lowered.origins, file, v));
        }
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

/// Prints diagnostics to standard error; with `-E` the warnings checkpolicy also gives
/// are turned into errors first.
pub(crate) fn emit(map: &SourceMap, diags: &mut [Diagnostic], req: &Request) {
    if req.werror {
        for d in diags.iter_mut() {
            if d.severity == Severity::Warning && diag::CHECKPOLICY_WARNINGS.contains(&d.code) {
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
fn dedup(mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut seen = std::collections::HashSet::new();
    diags.retain(|d| seen.insert(d.clone()));
    diags
}

/// What the chosen version cannot hold (errors where checkpolicy refuses to write,
/// warnings where it drops silently) and what Xen's loader would refuse (warnings; errors
/// with `-E`), each labelled at its statements.
fn version_diagnostics(
    db: &PolicyDb,
    origins: &Origins,
    file: FileId,
    version: u32,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let labelled = |mut d: Diagnostic, spans: &[Span], label: &str| {
        for (i, s) in spans.iter().take(3).enumerate() {
            d = if i == 0 {
                d.primary(file, *s, label)
            } else {
                d.secondary(file, *s, label)
            };
        }
        if spans.len() > 3 {
            d = d.note(format!("and {} more", spans.len() - 3));
        }
        d
    };
    let xen = db.target == Target::Xen;
    // A rule whose types come to nothing writes nothing, and nothing is refused.
    let has_xperms = db
        .avtab
        .iter()
        .any(|e| e.key.specified & avkind::XPERMS != 0);
    if has_xperms && (xen || version < 30) {
        let why = if xen {
            "extended permission rules cannot be written for Xen".to_string()
        } else {
            format!(
                "policy version {version} cannot hold extended permission rules (30 or later can)"
            )
        };
        out.push(labelled(
            Diagnostic::error("unrepresentable", why),
            &origins.xperm_rules,
            "an extended permission rule",
        ));
    }
    if version < 30 && !origins.wide_iomem.is_empty() {
        out.push(labelled(
            Diagnostic::error(
                "unrepresentable",
                format!("policy version {version} cannot hold I/O memory above 32 bits (30 can)"),
            ),
            &origins.wide_iomem,
            "a 64-bit address",
        ));
    }
    // checkpolicy drops these too, with a warning of libsepol's.
    let dropped = [
        (26, &origins.role_transitions, "role transitions"),
        (21, &origins.range_transitions, "range transitions"),
    ];
    for (since, spans, what) in dropped {
        if version < since && !spans.is_empty() {
            out.push(labelled(
                Diagnostic::warning(
                    "dropped-by-version",
                    format!("policy version {version} cannot hold {what}; they are dropped"),
                ),
                spans,
                "dropped",
            ));
        }
    }
    if !xen {
        return out;
    }
    if version < 30 && !origins.devicetree_contexts.is_empty() {
        out.push(labelled(
            Diagnostic::warning(
                "dropped-by-version",
                format!(
                    "policy version {version} cannot hold device-tree contexts; they are dropped"
                ),
            ),
            &origins.devicetree_contexts,
            "dropped",
        ));
    }
    if version >= 25 && !origins.named_transitions.is_empty() {
        out.push(labelled(
            Diagnostic::warning("xen-rejects", "Xen's loader refuses named type transitions"),
            &origins.named_transitions,
            "a type transition with an object name",
        ));
    }
    if db.avtab.is_empty() {
        out.push(
            Diagnostic::warning("xen-rejects", "the unconditional rule table is empty").note(
                "Xen's loader (and libsepol) refuse a policy whose unconditional avtab is empty",
            ),
        );
    }
    if let Some(c) = db.classes.iter().find(|c| c.common.is_some()) {
        out.push(
            Diagnostic::warning(
                "xen-rejects",
                format!("class `{}` inherits a common", c.name),
            )
            .note("Xen's loader refuses classes with common prefixes"),
        );
    }
    out
}

/// The version to write, or a usage error naming the supported ones.
pub(crate) fn choose_version(target: Target, asked: Option<u32>) -> Result<u32, String> {
    match (target, asked) {
        (Target::Xen, None) => Ok(30),
        (Target::Xen, Some(v)) if binary::format::XEN_VERSIONS.contains(&v) => Ok(v),
        (Target::Xen, Some(v)) => Err(format!(
            "policy version {v} cannot be written for Xen: the supported versions are 24 and 30"
        )),
        (Target::Selinux, None) => Ok(33),
        (Target::Selinux, Some(v)) if (15..=33).contains(&v) => Ok(v),
        (Target::Selinux, Some(v)) => Err(format!(
            "policy version {v} is not supported: SELinux versions are 15 to 33"
        )),
    }
}

/// `flaskc checkpolicy` (and `flaskc compile`) without `-b`: policy.conf to a binary.
pub(crate) fn compile_conf(args: &CheckpolicyArgs) -> i32 {
    let target = match args.target {
        Some(TargetArg::Xen) => Target::Xen,
        // checkpolicy's default target is SELinux.
        Some(TargetArg::Selinux) | None => Target::Selinux,
    };
    let req = Request {
        sema: sema::Options {
            target,
            mls: args.mls,
            handle_unknown: match args.handle_unknown {
                None | Some(UnknownArg::Deny) => HandleUnknown::Deny,
                Some(UnknownArg::Reject) => HandleUnknown::Reject,
                Some(UnknownArg::Allow) => HandleUnknown::Allow,
            },
        },
        version: args.version,
        werror: args.werror,
        sort_ocontexts: args.sort,
        json: false,
    };
    let version = match choose_version(target, req.version) {
        Ok(v) => v,
        Err(msg) => {
            crate::io::eprintln!("flaskc: {msg}");
            return 2;
        }
    };
    let name = crate::io::input_name(&args.input);
    // Not UTF-8 is refused rather than changed: a name must reach the binary as written.
    let text = match crate::io::read_text(&args.input) {
        Ok(text) => text,
        Err(e) => {
            crate::io::eprintln!("flaskc: cannot read {name}: {e}");
            return 2;
        }
    };
    let mut map = SourceMap::new();
    let file = map.add(SourceFile::new(name, text));
    let Some(mut db) = lower_file(&mut map, file, &req, Some(version), &|d, _| d) else {
        return 1;
    };
    if args.optimize {
        if let Err(e) = crate::policydb::optimize::optimize(&mut db, version) {
            crate::io::eprintln!("flaskc: {e}");
            return 1;
        }
    }
    match &args.output {
        Some(out) => write_binary(db, version, out),
        None => 0,
    }
}

/// Writes the binary to `output` as it is encoded (atomically); the exit code.
pub(crate) fn write_binary(db: PolicyDb, version: u32, output: &Path) -> i32 {
    let opts = WriteOptions { version };
    let mut fill = |w: &mut dyn Write| binary::write_to(&db, &opts, w).map_err(|e| e.to_string());
    super::write_or_report(output, 0, 1, &mut fill)
}
