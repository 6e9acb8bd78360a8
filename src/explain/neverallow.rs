//! The `neverallow` rules of a policy tree, resolved against a binary's types, so that a
//! proposal can be checked before it is printed.
//!
//! A binary keeps no neverallow rules; the CLI expands the tree with the built-in m4 and
//! parses it, and this stage turns each `neverallow` statement of the AST into sets of
//! type values (attributes expanded to their member types, `-`, `~`, `*` and `self` as
//! libsepol reads them) and class permission bits of the binary. Names the binary lacks
//! match nothing.

use super::{class_perms, type_value};
use crate::policydb::{Ebitmap, PolicyDb, TypeFlavor};
use crate::syntax::ast;

/// One `neverallow` statement, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neverallow {
    /// Where it is written (`modules/nomigrate.te:23`).
    pub place: String,
    /// The statement, as expanded, on one line.
    pub text: String,
    /// Source types (bit = value - 1).
    sources: Ebitmap,
    /// Target types, besides `self`.
    targets: Ebitmap,
    /// Whether the target set names `self`.
    self_target: bool,
    /// Class values and the permission bits forbidden in each.
    perms: Vec<(u32, u32)>,
}

impl Neverallow {
    /// The bits of `bits` this rule forbids `s` on `t` in `class`.
    pub fn forbids(&self, s: u32, t: u32, class: u32, bits: u32) -> u32 {
        let covers = |m: &Ebitmap, v: u32| v > 0 && m.get(v - 1);
        if !covers(&self.sources, s) || !(covers(&self.targets, t) || self.self_target && s == t) {
            return 0;
        }
        self.perms
            .iter()
            .filter(|(c, _)| *c == class)
            .fold(0, |a, (_, p)| a | (p & bits))
    }
}

/// The neverallow statements of a parsed tree; `place` names the original file and line
/// of a span of the expanded text, `text` gives the span's text.
pub fn resolve(
    db: &PolicyDb,
    policy: &ast::Policy,
    place: impl Fn(crate::source::Span) -> String,
    text: impl Fn(crate::source::Span) -> String,
) -> Vec<Neverallow> {
    policy
        .items
        .iter()
        .filter_map(|item| match &item.kind {
            ast::ItemKind::AvRule {
                kind: ast::AvRuleKind::Neverallow,
                source,
                target,
                classes,
                perms,
            } => Some(Neverallow {
                place: place(item.span),
                text: text(item.span)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                sources: type_set(db, source),
                targets: type_set(db, target),
                self_target: target.items.iter().any(|i| i.name().name == "self"),
                perms: class_bits(db, classes, perms),
            }),
            _ => None,
        })
        .collect()
}

/// The concrete types of a set as written (bit = value - 1).
fn type_set(db: &PolicyDb, set: &ast::Set) -> Ebitmap {
    let all = concrete_types(db, |_| true);
    let mut pos = Ebitmap::new();
    let mut neg = Ebitmap::new();
    if set.star() {
        pos = all.clone();
    }
    for item in &set.items {
        let Some(v) = type_value(db, &item.name().name) else {
            continue;
        };
        let members = match db.types.get(v as usize - 1) {
            Some(t) if t.flavor == TypeFlavor::Attribute => concrete_types(db, |i| {
                db.type_attr_map.get(i).is_some_and(|m| m.get(v - 1))
            }),
            _ => {
                let mut m = Ebitmap::new();
                m.set(v - 1);
                m
            }
        };
        if item.negated() {
            neg.union_with(&members);
        } else {
            pos.union_with(&members);
        }
    }
    pos.subtract(&neg);
    if set.complement() {
        let mut c = all;
        c.subtract(&pos);
        return c;
    }
    pos
}

/// The types (not attributes) at indices for which `keep` holds.
fn concrete_types(db: &PolicyDb, keep: impl Fn(usize) -> bool) -> Ebitmap {
    let mut m = Ebitmap::new();
    for (i, t) in db.types.iter().enumerate() {
        if t.flavor == TypeFlavor::Type && keep(i) {
            m.set(i as u32);
        }
    }
    m
}

/// Each class of a set with the bits of the permission set in it.
fn class_bits(db: &PolicyDb, classes: &ast::Set, perms: &ast::Set) -> Vec<(u32, u32)> {
    let named = |set: &ast::Set, name: &str| {
        set.star()
            || set
                .items
                .iter()
                .any(|i| !i.negated() && i.name().name == name)
    };
    let mut out = Vec::new();
    for c in &db.classes {
        if named(classes, &c.name) == classes.complement() {
            continue;
        }
        let Some((cv, names)) = class_perms(db, &c.name) else {
            continue;
        };
        let mut bits = names
            .iter()
            .enumerate()
            .filter(|(i, n)| *i < 32 && named(perms, n))
            .fold(0u32, |a, (i, _)| a | (1 << i));
        if perms.complement() {
            let all = if names.len() >= 32 {
                u32::MAX
            } else {
                (1u32 << names.len()) - 1
            };
            bits = all & !bits;
        }
        if bits != 0 {
            out.push((cv, bits));
        }
    }
    out
}
