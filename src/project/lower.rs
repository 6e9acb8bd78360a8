//! One policy.conf text to a database: parse, lower, and check what the chosen policy
//! version and Xen's loader can take.

use crate::binary;
use crate::diag::{self, Diagnostic, Severity};
use crate::policydb::{avkind, PolicyDb, Target};
use crate::sema::{self, Origins};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax;

/// Lowers one parsed file of `map` (its tree and the parse's diagnostics); when `version`
/// is given, checks what that version and Xen's loader can take. The database (even when
/// there were errors), every diagnostic, passed through `remap` (which moves them to the
/// files the text came from), and the syntax tree.
pub(crate) fn lower(
    map: &mut SourceMap,
    file: FileId,
    (ast, mut diags): (syntax::ast::Policy, Vec<Diagnostic>),
    opts: &super::Options,
    version: Option<u32>,
    remap: &dyn Fn(Vec<Diagnostic>, &SourceMap) -> Vec<Diagnostic>,
    timings: &mut super::Timings,
) -> (Option<PolicyDb>, Vec<Diagnostic>, syntax::ast::Policy) {
    let mut db = None;
    if !diags.iter().any(Diagnostic::is_error) {
        let lowered = timings.time("sema", || sema::lower(&ast, file, &opts.sema));
        diags.extend(lowered.diagnostics);
        if let (Some(db), Some(v)) = (&lowered.db, version) {
            diags.extend(version_diagnostics(db, &lowered.origins, file, v));
        }
        db = lowered.db;
    } else {
        diags.extend(first_pass_errors(&ast, file, opts, &diags));
    }
    if let Some(db) = db.as_mut() {
        if opts.sort_ocontexts {
            db.sort_ocontexts();
        }
    }
    (db, dedup(remap(diags, map)), ast)
}

/// checkpolicy stops at its first error, and its first pass reports declaration mistakes
/// as it reads: one written before flaskc's first syntax error comes first there. So with
/// syntax errors, the statements that parsed are lowered too and such mistakes before the
/// first syntax error are reported with it.
fn first_pass_errors(
    ast: &syntax::ast::Policy,
    file: FileId,
    opts: &super::Options,
    syntax_diags: &[Diagnostic],
) -> Vec<Diagnostic> {
    let first_syntax = |d: &Diagnostic| d.primary_label().map(|l| l.span.start);
    let Some(limit) = syntax_diags.iter().filter_map(first_syntax).min() else {
        return Vec::new();
    };
    // Only the statements before the first syntax error: a prefix keeps the order the
    // checks of the parser guarantee (what follows may repeat a section or break it).
    let prefix = syntax::ast::Policy {
        items: items_before(&ast.items, limit),
    };
    let lowered = sema::lower(&prefix, file, &opts.sema);
    lowered
        .diagnostics
        .into_iter()
        .filter(|d| d.is_error() && FIRST_PASS.contains(&d.code))
        .filter(|d| first_syntax(d).is_some_and(|at| at < limit))
        .collect()
}

/// The statements that start before `limit`, blocks cut there too.
fn items_before(items: &[Box<syntax::ast::Item>], limit: u32) -> syntax::ast::Items {
    use syntax::ast::ItemKind;
    let cut = |items: &[Box<syntax::ast::Item>]| items_before(items, limit);
    let cut_else = |e: &Option<syntax::ast::Items>| e.as_deref().map(cut);
    (items.iter())
        .take_while(|i| i.span.start < limit)
        .map(|i| {
            let kind = match &i.kind {
                ItemKind::Optional { items, else_items } => ItemKind::Optional {
                    items: cut(items),
                    else_items: cut_else(else_items),
                },
                ItemKind::If {
                    cond,
                    then_items,
                    else_items,
                } => ItemKind::If {
                    cond: cond.clone(),
                    then_items: cut(then_items),
                    else_items: cut_else(else_items),
                },
                other => other.clone(),
            };
            Box::new(syntax::ast::Item { kind, span: i.span })
        })
        .collect()
}

/// Codes of the mistakes checkpolicy's first pass finds while it reads.
const FIRST_PASS: &[&str] = &[
    "duplicate-declaration",
    "undefined-attribute",
    "declared-later",
    "wrong-target",
    "declaration-in-else",
    "named-transition-in-conditional",
];

/// With `-E`, the warnings checkpolicy also gives become errors.
pub(crate) fn promote_warnings(diags: &mut [Diagnostic]) {
    for d in diags.iter_mut() {
        if d.severity == Severity::Warning && diag::CHECKPOLICY_WARNINGS.contains(&d.code) {
            d.severity = Severity::Error;
        }
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
pub fn choose_version(target: Target, asked: Option<u32>) -> Result<u32, String> {
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
