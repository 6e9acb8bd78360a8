//! The statement order check: a policy.conf is a fixed sequence of sections.
//!
//! checkpolicy's grammar spells the order out (classes, initial SIDs, access vectors,
//! defaults, the optional MLS part, type and role statements, users, constraints, initial
//! SID contexts, file system, network and device contexts), so a statement out of place is
//! a syntax error there. flaskc parses statements as one flat list, which recovers better,
//! and checks the order here, which lets the message say what is out of place and why.
//! `optional` blocks hold type and role statements (and `require`) followed by users.

use super::ast::{Item, ItemKind};
use super::parser::Stmt;
use crate::diag::Diagnostic;
use crate::source::{FileId, Span};
use std::collections::HashSet;

/// A section of a policy.conf, in the order they must come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Classes,
    InitialSids,
    Commons,
    AccessVectors,
    Defaults,
    Sensitivities,
    Dominance,
    Categories,
    Levels,
    MlsConstraints,
    TeRbac,
    Users,
    Constraints,
    SidContexts,
    FsContexts,
    FsUses,
    Genfs,
    Ports,
    Netifs,
    Nodes,
    Devices,
    Ibpkeys,
    Ibendports,
}

use Section::*;

/// Every section, in order.
const ALL: [Section; 23] = [
    Classes,
    InitialSids,
    Commons,
    AccessVectors,
    Defaults,
    Sensitivities,
    Dominance,
    Categories,
    Levels,
    MlsConstraints,
    TeRbac,
    Users,
    Constraints,
    SidContexts,
    FsContexts,
    FsUses,
    Genfs,
    Ports,
    Netifs,
    Nodes,
    Devices,
    Ibpkeys,
    Ibendports,
];

impl Section {
    /// How the section is named in messages.
    fn describe(self) -> &'static str {
        match self {
            Classes => "the class declarations (`class NAME`)",
            InitialSids => "the initial SID declarations (`sid NAME`)",
            Commons => "the `common` definitions",
            AccessVectors => "the class definitions (`class NAME { ... }`)",
            Defaults => "the `default_*` statements",
            Sensitivities => "the `sensitivity` declarations",
            Dominance => "the sensitivity `dominance`",
            Categories => "the `category` declarations",
            Levels => "the `level` declarations",
            MlsConstraints => "the `mlsconstrain` and `mlsvalidatetrans` statements",
            TeRbac => "the type, role and rule statements",
            Users => "the `user` statements",
            Constraints => "the `constrain` and `validatetrans` statements",
            SidContexts => "the initial SID contexts (`sid NAME CONTEXT`)",
            FsContexts => "the `fscon` statements",
            FsUses => "the `fs_use_*` statements",
            Genfs => "the `genfscon` statements",
            Ports => "the `portcon` statements",
            Netifs => "the `netifcon` statements",
            Nodes => "the `nodecon` statements",
            Devices => "the device contexts (`pirqcon`, `iomemcon`, ...)",
            Ibpkeys => "the `ibpkeycon` statements",
            Ibendports => "the `ibendportcon` statements",
        }
    }

    fn is_mls(self) -> bool {
        (Sensitivities..=MlsConstraints).contains(&self)
    }

    /// Whether the section must have at least one statement (MLS ones only in MLS policies).
    fn required(self, mls: bool) -> bool {
        match self {
            Classes | InitialSids | AccessVectors | TeRbac | Users | SidContexts => true,
            Sensitivities | Dominance | Levels | MlsConstraints => mls,
            _ => false,
        }
    }
}

/// The section a top-level statement belongs to; `None` for `require`, which only blocks
/// may hold.
fn section_of(kind: &ItemKind) -> Option<Section> {
    use ItemKind as K;
    Some(match kind {
        K::ClassDecl(_) => Classes,
        K::SidDecl(_) => InitialSids,
        K::Common { .. } => Commons,
        K::ClassDef { .. } => AccessVectors,
        K::Default { .. } => Defaults,
        K::Sensitivity { .. } => Sensitivities,
        K::Dominance(_) => Dominance,
        K::Category { .. } => Categories,
        K::LevelDecl(_) => Levels,
        K::Constrain { mls: true, .. } | K::Validatetrans { mls: true, .. } => MlsConstraints,
        K::Constrain { mls: false, .. } | K::Validatetrans { mls: false, .. } => Constraints,
        K::Policycap(_)
        | K::Empty
        | K::Attribute(_)
        | K::ExpandAttribute { .. }
        | K::Type { .. }
        | K::TypeAlias { .. }
        | K::TypeAttribute { .. }
        | K::TypeBounds { .. }
        | K::Permissive(_)
        | K::Bool { .. }
        | K::Tunable { .. }
        | K::AvRule { .. }
        | K::XpermRule { .. }
        | K::TypeRule { .. }
        | K::Role { .. }
        | K::AttributeRole(_)
        | K::RoleAttribute { .. }
        | K::RoleTransition { .. }
        | K::RoleAllow { .. }
        | K::RoleDominance(_)
        | K::RangeTransition { .. }
        | K::If { .. }
        | K::Optional { .. } => TeRbac,
        K::Require(_) => return None,
        K::User { .. } => Users,
        K::SidContext { .. } => SidContexts,
        K::Fscon { .. } => FsContexts,
        K::FsUse { .. } => FsUses,
        K::Genfscon { .. } => Genfs,
        K::Portcon { .. } => Ports,
        K::Netifcon { .. } => Netifs,
        K::Nodecon { .. } => Nodes,
        K::Pirqcon { .. }
        | K::Iomemcon { .. }
        | K::Ioportcon { .. }
        | K::Pcidevicecon { .. }
        | K::Devicetreecon { .. } => Devices,
        K::Ibpkeycon { .. } => Ibpkeys,
        K::Ibendportcon { .. } => Ibendports,
    })
}

const ORDER_NOTE: &str =
    "a policy.conf has its statements in a fixed order: classes, initial SIDs, \
access vectors, defaults, MLS declarations, types, roles and rules, users, constraints, \
initial SID contexts, then file system, network and device contexts";

/// The span of the keyword a statement starts with, for labels that should not cover a
/// whole multi-line statement.
fn keyword_span(text: &str, span: Span) -> Span {
    let start = span.start as usize;
    let len = text
        .get(start..span.end as usize)
        .map(|s| {
            s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(s.len())
        })
        .unwrap_or(0)
        .max(1);
    Span::new(start, (start + len).min(span.end as usize))
}

/// The `}` closing the first `{ ... }` group of `text[from..to]` (comments and quoted
/// names skipped); the last byte before `to` if the group is unbalanced.
fn closing_brace(text: &str, from: u32, to: u32) -> Span {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0u32, from as usize);
    let end = (to as usize).min(bytes.len());
    while i < end {
        match bytes[i] {
            b'#' => {
                while i < end && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < end && bytes[i] != b'"' {
                    i += 1;
                }
            }
            b'{' => depth += 1,
            b'}' if depth == 1 => return Span::new(i, i + 1),
            b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Span::new(end.saturating_sub(1), end)
}

fn keyword(text: &str, span: Span) -> &str {
    text.get(keyword_span(text, span).range()).unwrap_or("?")
}

struct Checker<'a> {
    file: FileId,
    text: &'a str,
    diags: Vec<Diagnostic>,
}

/// Checks the order of the top-level statements and of every `optional` block.
///
/// With `had_errors`, statements were lost to error recovery, so missing sections are not
/// reported (they may be the lost statements).
/// Statements starting where a syntax error was reported are where recovery resumed in
/// the middle of a broken statement (`error_at`); their place says nothing and is not
/// checked.
pub(crate) fn check(
    stmts: &[Stmt],
    file: FileId,
    text: &str,
    had_errors: bool,
    error_at: &HashSet<u32>,
) -> Vec<Diagnostic> {
    let mut c = Checker {
        file,
        text,
        diags: Vec::new(),
    };
    // The current section and where it began.
    let mut cur: Option<(Section, Span)> = None;
    let mut mls = false;
    let mut reported_missing = false;
    let mut after_error = false;
    for stmt in stmts {
        let (section, span) = match stmt {
            Stmt::Item(item) if error_at.contains(&item.span.start) => continue,
            Stmt::Item(item) => {
                c.check_blocks(item);
                match section_of(&item.kind) {
                    Some(s) => (s, item.span),
                    None => {
                        c.require_outside_block(item.span);
                        continue;
                    }
                }
            }
            Stmt::Empty(span) => {
                // Right after a skipped statement a `;` is that statement's end and says
                // nothing about the order. Elsewhere it is an empty type and role
                // statement: it opens that section, so a class or an MLS statement after
                // it is out of order, as in checkpolicy's grammar.
                if std::mem::take(&mut after_error) {
                    continue;
                }
                if !cur.is_some_and(|(s, _)| may_precede_te_rbac(s)) {
                    c.stray_semicolon(*span);
                    continue;
                }
                (TeRbac, *span)
            }
            Stmt::Error => {
                after_error = true;
                continue;
            }
        };
        after_error = false;
        match cur {
            Some((now, start)) if section < now || (section == now && section == Dominance) => {
                c.out_of_order(span, section, now, start);
            }
            Some((now, _)) if section == now => {}
            _ => {
                let from = cur.map(|(s, _)| s);
                mls |= section.is_mls();
                if !had_errors && !reported_missing {
                    if let Some(missing) = first_missing(from, Some(section), mls) {
                        reported_missing = true;
                        c.missing(missing, Some((span, section)));
                    }
                }
                cur = Some((section, span));
            }
        }
    }
    if !had_errors && !reported_missing {
        if let Some(missing) = first_missing(cur.map(|(s, _)| s), None, mls) {
            c.missing(missing, None);
        }
    }
    c.diags
}

/// Whether the type and role section (where `;` is allowed) may follow or be `s`.
fn may_precede_te_rbac(s: Section) -> bool {
    matches!(s, AccessVectors | Defaults | MlsConstraints | TeRbac)
}

/// The first required section strictly between `from` and `to` (`None`: the start and the
/// end of the file).
fn first_missing(from: Option<Section>, to: Option<Section>, mls: bool) -> Option<Section> {
    ALL.iter()
        .copied()
        .find(|&s| from.is_none_or(|f| s > f) && to.is_none_or(|t| s < t) && s.required(mls))
}

impl Checker<'_> {
    fn out_of_order(&mut self, span: Span, section: Section, now: Section, start: Span) {
        let kw = keyword(self.text, span);
        let d = if section == now {
            Diagnostic::error("syntax-error", format!("a second `{kw}` statement"))
                .primary(
                    self.file,
                    keyword_span(self.text, span),
                    "only one is allowed",
                )
                .secondary(
                    self.file,
                    keyword_span(self.text, start),
                    "the first one is here",
                )
        } else {
            Diagnostic::error(
                "syntax-error",
                format!("`{kw}` is not allowed after {}", now.describe()),
            )
            .primary(
                self.file,
                keyword_span(self.text, span),
                format!("this belongs to {}", section.describe()),
            )
            .secondary(
                self.file,
                keyword_span(self.text, start),
                format!("{} start here", now.describe()),
            )
            .note(ORDER_NOTE)
        };
        self.diags.push(d);
    }

    fn missing(&mut self, missing: Section, at: Option<(Span, Section)>) {
        let d = match at {
            Some((span, section)) => {
                let kw = keyword(self.text, span);
                Diagnostic::error(
                    "syntax-error",
                    format!("expected {} before `{kw}`", missing.describe()),
                )
                .primary(
                    self.file,
                    keyword_span(self.text, span),
                    format!("this belongs to {}", section.describe()),
                )
            }
            None => {
                let end = self.text.len();
                Diagnostic::error(
                    "syntax-error",
                    format!("expected {} before the end of the file", missing.describe()),
                )
                .primary(self.file, Span::new(end, end), "the file ends here")
            }
        };
        self.diags.push(d.note(ORDER_NOTE));
    }

    fn stray_semicolon(&mut self, span: Span) {
        self.diags
            .push(Diagnostic::error("syntax-error", "unexpected `;`").primary(
                self.file,
                span,
                "an empty statement is only allowed among type, role and rule statements",
            ));
    }

    fn require_outside_block(&mut self, span: Span) {
        self.diags.push(
            Diagnostic::error(
                "syntax-error",
                "`require` is only allowed inside `optional` and `if` blocks",
            )
            .primary(
                self.file,
                keyword_span(self.text, span),
                "not inside a block",
            ),
        );
    }

    /// Checks the blocks of a statement: an `optional` block holds type and role
    /// statements (at least one) and `require` blocks, then `user` statements.
    fn check_blocks(&mut self, item: &Item) {
        if let ItemKind::Optional { items, else_items } = &item.kind {
            // The closing braces are looked for only to report an empty block: a text
            // read in pieces is not at hand when nothing is wrong.
            let then_end = || closing_brace(self.text, item.span.start, item.span.end);
            if !self.check_optional(items) {
                self.empty_block(then_end());
            }
            if let Some(e) = else_items {
                if !self.check_optional(e) {
                    let else_end = closing_brace(self.text, then_end().end, item.span.end);
                    self.empty_block(else_end);
                }
            }
        }
    }

    /// `end` is the block's closing brace: where checkpolicy finds a block empty.
    fn empty_block(&mut self, end: Span) {
        self.diags.push(
            Diagnostic::error(
                "syntax-error",
                "an `optional` block needs at least one type, role or rule statement",
            )
            .primary(self.file, end, "the block ends here"),
        );
    }

    /// Checks the statements of a block; whether it has one type or role statement.
    fn check_optional(&mut self, items: &[Box<Item>]) -> bool {
        let mut users_from: Option<Span> = None;
        let mut n_decls = 0;
        for item in items {
            self.check_blocks(item);
            let ok_decl = match section_of(&item.kind) {
                None => true,
                Some(TeRbac) => !matches!(item.kind, ItemKind::Policycap(_)),
                Some(Users) => {
                    users_from.get_or_insert(item.span);
                    continue;
                }
                Some(_) => false,
            };
            let kw = keyword(self.text, item.span);
            if !ok_decl {
                self.diags.push(
                    Diagnostic::error("syntax-error", format!("`{kw}` is not allowed in an `optional` block"))
                        .primary(self.file, keyword_span(self.text, item.span), "not allowed here")
                        .note("an `optional` block holds type, role and rule statements and `require` blocks, then `user` statements"),
                );
            } else if let Some(start) = users_from {
                self.diags.push(
                    Diagnostic::error(
                        "syntax-error",
                        format!("`{kw}` is not allowed after the `user` statements of a block"),
                    )
                    .primary(
                        self.file,
                        keyword_span(self.text, item.span),
                        "move this before the users",
                    )
                    .secondary(
                        self.file,
                        keyword_span(self.text, start),
                        "the users start here",
                    ),
                );
            } else {
                n_decls += 1;
            }
        }
        n_decls > 0
    }
}
