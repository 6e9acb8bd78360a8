//! The semantic pass: a parsed policy.conf to a [`PolicyDb`], as checkpolicy 3.4 builds a
//! monolithic kernel policy.
//!
//! Stages, each in its own module:
//! - `declare`: every declaration (classes, types, roles, users, booleans, MLS symbols),
//!   with checkpolicy's duplicate rules, and the values libsepol gives them (hash-table
//!   order, binary-format.md §11);
//! - `resolve`: names in sets, contexts and levels to values;
//! - `rules`: access vector and type rules, conditionals, role rules into the database in
//!   checkpolicy's orders (§5, §6, §7);
//! - `constrain`: constraints and validatetrans;
//! - `ocontext`: initial SID contexts and object contexts;
//! - `check`: neverallow and typebounds checks over the expanded rules;
//! - `suggest`: "did you mean" notes for undeclared names.
//!
//! Errors do not stop the pass at once: each stage reports what it finds, and the database
//! is only returned when no error was reported.

mod check;
mod constrain;
mod declare;
mod ocontext;
mod resolve;
mod rules;
mod suggest;

use crate::diag::Diagnostic;
use crate::policydb::{HandleUnknown, PolicyDb, Target};
use crate::source::{FileId, Span};
use crate::syntax::ast;

/// What the command line decides about a compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Xen or SELinux.
    pub target: Target,
    /// Whether MLS statements are allowed and ranges are real (`-M`).
    pub mls: bool,
    /// `-U deny|reject|allow`.
    pub handle_unknown: HandleUnknown,
}

/// The result of lowering: the database when there was no error, and every diagnostic.
#[derive(Debug)]
pub struct Lowered {
    /// The policy, `None` when an error was reported.
    pub db: Option<PolicyDb>,
    /// Errors and warnings, in the order found.
    pub diagnostics: Vec<Diagnostic>,
    /// Where the statements are that some policy versions or Xen's loader cannot take.
    pub origins: Origins,
}

/// Source spans of the statements whose fate depends on the policy version or on Xen's
/// loader, so that the writer's refusals and the drop warnings point at them. The
/// database itself holds no spans (a database read from a binary has none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origins {
    /// Extended-permission rules (version 30 and later, SELinux only).
    pub xperm_rules: Vec<Span>,
    /// `role_transition` statements (dropped below version 26).
    pub role_transitions: Vec<Span>,
    /// `range_transition` statements (dropped below version 21).
    pub range_transitions: Vec<Span>,
    /// Named type transitions (Xen's loader refuses them).
    pub named_transitions: Vec<Span>,
    /// `devicetreecon` statements (dropped below version 30).
    pub devicetree_contexts: Vec<Span>,
    /// `iomemcon` statements with an address above 32 bits (refused below version 30).
    pub wide_iomem: Vec<Span>,
}

impl Origins {
    /// The spans of the enabled statements of interest.
    fn collect(enabled: &[&declare::Block<'_>]) -> Origins {
        let mut o = Origins::default();
        let mut visit = |item: &ast::Item| match &item.kind {
            // A neverallowxperm writes nothing, so any version takes it.
            ast::ItemKind::XpermRule { kind, .. } if *kind != ast::XpermRuleKind::Neverallow => {
                o.xperm_rules.push(item.span)
            }
            ast::ItemKind::RoleTransition { .. } => o.role_transitions.push(item.span),
            ast::ItemKind::RangeTransition { .. } => o.range_transitions.push(item.span),
            ast::ItemKind::TypeRule {
                object_name: Some(_),
                ..
            } => o.named_transitions.push(item.span),
            ast::ItemKind::Devicetreecon { .. } => o.devicetree_contexts.push(item.span),
            ast::ItemKind::Iomemcon { low, high, .. } => {
                let wide = |n: &ast::Number| n.value.is_some_and(|v| v > u64::from(u32::MAX));
                if wide(low) || high.as_ref().is_some_and(wide) {
                    o.wide_iomem.push(item.span);
                }
            }
            _ => {}
        };
        declare::statements(enabled).for_each(&mut visit);
        o
    }
}

/// Lowers a parsed policy (whose spans lie in `file`) to a policy database.
///
/// # Example
/// ```
/// use flaskc::{sema, syntax, source::{SourceMap, SourceFile}, policydb::{Target, HandleUnknown}};
/// let mut map = SourceMap::new();
/// let file = map.add(SourceFile::new("p.conf",
///     "class c\nsid k\nclass c { p }\ntype t;\nallow t t : c p;\nrole r;\nrole r types t;\n\
///      user u roles r;\nsid k u:r:t\n"));
/// let (ast, errors) = syntax::parse(&mut map, file);
/// assert!(errors.is_empty());
/// let opts = sema::Options { target: Target::Xen, mls: false, handle_unknown: HandleUnknown::Deny };
/// let lowered = sema::lower(&ast, file, &opts);
/// assert!(lowered.db.is_some());
/// ```
pub fn lower(policy: &ast::Policy, file: FileId, opts: &Options) -> Lowered {
    let mut cx = Cx {
        file,
        opts: *opts,
        diags: Vec::new(),
    };
    let blocks = declare::blocks(policy);
    let Some(syms) = declare::declare(&mut cx, &blocks) else {
        return cx.finish(None, Origins::default());
    };
    let enabled = declare::enabled_blocks(&blocks, &syms.enabled);
    let origins = Origins::collect(&enabled);
    let mut db = syms.skeleton(opts);
    let grants = rules::lower_rules(&mut cx, &syms, &enabled, &mut db);
    let left_out: Vec<&declare::Block<'_>> = (blocks.iter().zip(&syms.enabled))
        .filter_map(|(b, &on)| (!on).then_some(b))
        .collect();
    let left_out_items = left_out.iter().flat_map(|b| b.items.iter().copied());
    rules::check_left_out(&mut cx, &syms, left_out_items);
    let all: Vec<&declare::Block<'_>> = blocks.iter().collect();
    rules::named_transition_duplicates(&mut cx, &syms, &all);
    constrain::lower_constraints(&mut cx, &syms, policy, &mut db);
    ocontext::lower_ocontexts(&mut cx, &syms, &grants, policy, &mut db);
    let complete = !cx.has_errors();
    check::neverallow(&mut cx, &syms, &enabled, &db, complete);
    if complete {
        check::typebounds(&mut cx, &syms, &db);
    }
    suggest::annotate(&mut cx.diags, &syms);
    cx.finish(Some(db), origins)
}

/// State shared by the stages: where the text is and what was reported.
struct Cx {
    file: FileId,
    opts: Options,
    diags: Vec<Diagnostic>,
}

impl Cx {
    /// Reports an error with its primary label.
    fn error(&mut self, code: &'static str, span: Span, message: String, label: &str) {
        let d = Diagnostic::error(code, message).primary(self.file, span, label);
        self.diags.push(d);
    }

    /// Reports a prepared diagnostic.
    /// A context for a pass whose diagnostics are dropped (another pass reports them).
    fn quiet(&self) -> Cx {
        Cx {
            file: self.file,
            opts: self.opts,
            diags: Vec::new(),
        }
    }

    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn has_errors(&self) -> bool {
        self.diags.iter().any(Diagnostic::is_error)
    }

    fn finish(self, db: Option<PolicyDb>, origins: Origins) -> Lowered {
        let ok = !self.has_errors();
        Lowered {
            db: db.filter(|_| ok),
            diagnostics: self.diags,
            origins,
        }
    }
}

/// The id of a value sema assigned (values start at 1 and stay under
/// [`crate::policydb::limits::MAX_SYMBOLS`], checked at each declaration).
pub(crate) fn id<I: crate::policydb::SymbolId>(value: u32) -> I {
    I::from_value(value).expect("sema assigns values from 1")
}
