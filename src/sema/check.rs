//! Assertions over the expanded rules: `neverallow` and `typebounds`.
//!
//! Both are checked against the avtab (unconditional and conditional entries), where keys
//! may still name attributes; an attribute key stands for all its member types.

use std::collections::HashMap;

use super::declare::{Block, Syms};
use super::resolve;
use super::rules::{self, as_rule, rule_types, Rule};
use super::Cx;
use crate::diag::Diagnostic;
use crate::parallel;
use crate::policydb::{avkind, AvtabEntry, Ebitmap, PolicyDb, Xperms};
use crate::syntax::ast::{AvRuleKind, XpermRuleKind};

/// The types a key value stands for (bit = value - 1).
fn members(syms: &Syms, value: u16) -> Ebitmap {
    let i = value as usize - 1;
    if syms.type_is_attr[i] {
        syms.attr_members[i].clone()
    } else {
        [i as u32].into_iter().collect()
    }
}

/// The entries of libsepol's conditional table: every branch of every node.
fn cond_entries(db: &PolicyDb) -> impl Iterator<Item = &AvtabEntry> {
    db.cond_list
        .iter()
        .flat_map(|n| n.true_list.iter().chain(&n.false_list))
}

/// Every access entry of the policy, unconditional first, each with whether it is in the
/// conditional table, since extended permissions are looked up in the same table as the
/// entry that allows `ioctl`.
fn allowed_entries(db: &PolicyDb) -> Vec<(&AvtabEntry, bool)> {
    fn allows(e: &&AvtabEntry) -> bool {
        e.key.specified & avkind::ALLOWED != 0
    }
    fn scan(part: &[AvtabEntry]) -> Vec<(&AvtabEntry, bool)> {
        part.iter().filter(allows).map(|e| (e, false)).collect()
    }
    // A plain loop over each table: the unconditional one may hold tens of millions, and
    // is scanned in two halves at once when large.
    let (head, tail) = db.avtab.split_at(db.avtab.len() / 2);
    let (mut out, rest) = parallel::join(db.avtab.len() >= 1 << 20, || scan(head), || scan(tail));
    out.extend(rest);
    out.extend(cond_entries(db).filter(allows).map(|e| (e, true)));
    out
}

/// Whether an extended-permission entry allows any ioctl number set in `bits`.
fn xperms_intersect(x: &Xperms, bits: &[u64]) -> bool {
    let word = |i: usize| x.perms[i / 32] & (1 << (i % 32)) != 0;
    match x.specified {
        // A driver entry: bit d allows the 256 numbers of driver d.
        2 => (0..256).any(|d| word(d) && bits[d * 4..d * 4 + 4].iter().any(|&w| w != 0)),
        _ => (0..256).any(|f| {
            word(f) && {
                let n = (x.driver as usize) << 8 | f;
                bits[n / 64] & (1 << (n % 64)) != 0
            }
        }),
    }
}

/// The allowed extended permissions of the policy, each with whether it is in the
/// conditional table, its class and the types its source and target stand for: what a
/// `neverallowxperm` is checked against, gathered once for all of them.
struct AllowedXperms<'a>(Vec<(bool, u16, Ebitmap, Ebitmap, &'a Xperms)>);

impl<'a> AllowedXperms<'a> {
    fn new(syms: &Syms, db: &'a PolicyDb) -> AllowedXperms<'a> {
        let tables = db
            .avtab
            .iter()
            .map(|e| (false, e))
            .chain(cond_entries(db).map(|e| (true, e)));
        AllowedXperms(
            tables
                .filter(|(_, x)| x.key.specified & avkind::XPERMS_ALLOWED != 0)
                .map(|(cond, x)| {
                    (
                        cond,
                        x.key.class,
                        members(syms, x.key.source),
                        members(syms, x.key.target),
                        &db.xperms[x.data as usize],
                    )
                })
                .collect(),
        )
    }
}

/// libsepol's test for a `neverallowxperm` once `ioctl` is allowed on a key: some source
/// and target pair it names has no allowed extended permissions at all (so every ioctl
/// is allowed), or has some in `bits`, looking in the key's own table. With `self`, only
/// a type paired with itself counts.
fn xperm_violation(
    syms: &Syms,
    allowed: &AllowedXperms<'_>,
    e: &AvtabEntry,
    cond: bool,
    (src, tgt, has_self): (&Ebitmap, &Ebitmap, bool),
    bits: &[u64],
) -> bool {
    let s = src.intersection(&members(syms, e.key.source));
    let t_members = members(syms, e.key.target);
    let mut t = tgt.intersection(&t_members);
    if has_self {
        t.union_with(&s.intersection(&t_members));
    }
    let violated = s.iter().any(|i| {
        t.iter().filter(|&j| !has_self || i == j).any(|j| {
            let mut found = allowed
                .0
                .iter()
                .filter(|(c, class, xs, xt, _)| {
                    *c == cond && *class == e.key.class && xs.get(i) && xt.get(j)
                })
                .peekable();
            found.peek().is_none() || found.any(|(.., x)| xperms_intersect(x, bits))
        })
    });
    violated
}

/// Names the permissions of `mask` in a class, as `{ a b }`.
fn perm_names(db: &PolicyDb, class: u16, mask: u32) -> String {
    let c = &db.classes[class as usize - 1];
    let common: &[String] = c
        .common
        .as_ref()
        .and_then(|n| db.commons.iter().find(|x| &x.name == n))
        .map(|x| &x.perms[..])
        .unwrap_or(&[]);
    let names: Vec<&str> = common
        .iter()
        .chain(&c.perms)
        .enumerate()
        .filter(|(i, _)| *i < 32 && mask & (1 << i) != 0)
        .map(|(_, n)| n.as_str())
        .collect();
    format!("{{ {} }}", names.join(" "))
}

/// Said of a violation checkpolicy 3.4 lets pass (see docs/divergences.md).
const SELF_NEVERALLOW_GAP: &str = "checkpolicy 3.4 accepts this: for a neverallow that names `self`, libsepol reports only a type's rules on itself; flaskc enforces the rule as written";

/// Checks every `neverallow` and `neverallowxperm` against the allow entries; a violation
/// names the neverallow (primary) and the allow rules that break it (secondary). With
/// `violations` false (the rules are incomplete after an error) it only resolves the
/// rules' names, reporting what checkpolicy reports when it reads them.
pub(super) fn neverallow(
    cx: &mut Cx,
    syms: &Syms,
    enabled: &[&Block<'_>],
    db: &PolicyDb,
    violations: bool,
) {
    // Gathered at the first neverallow (and `neverallowxperm`) that needs them, so that
    // each scans the allow entries alone rather than the whole table (generated guests
    // make millions of type transitions), and a policy without any scans nothing.
    let mut allowed: Option<Vec<(&AvtabEntry, bool)>> = None;
    let mut allowed_xperms: Option<AllowedXperms<'_>> = None;
    for b in enabled {
        for item in &b.items {
            let (source, target, classes, what) = match as_rule(item) {
                Some(Rule::Av {
                    kind: AvRuleKind::Neverallow,
                    source,
                    target,
                    classes,
                    perms,
                }) => (source, target, classes, Never::Perms(perms)),
                Some(Rule::Xperm {
                    kind: XpermRuleKind::Neverallow,
                    source,
                    target,
                    classes,
                    operation,
                    perms,
                }) => {
                    if !rules::ioctl_operation(cx, operation) {
                        continue;
                    }
                    let Some(bits) = rules::ioctl_bits(cx, perms) else {
                        continue;
                    };
                    // An empty set makes no rule in libsepol, so nothing to check.
                    if bits.iter().all(|&w| w == 0) {
                        continue;
                    }
                    (source, target, classes, Never::Ioctls(bits, operation))
                }
                _ => continue,
            };
            let Some((src, tgt, has_self)) = rule_types(cx, syms, source, target, true, true)
            else {
                continue;
            };
            let Some(class_list) = resolve::class_set(cx, syms, classes) else {
                continue;
            };
            let mut masks = vec![0u32; syms.classes.len() + 1];
            for &c in &class_list {
                let mask = match &what {
                    Never::Perms(perms) => resolve::perm_mask(cx, syms, c, perms),
                    Never::Ioctls(_, op) => rules::ioctl_perm(cx, syms, c, op),
                };
                masks[c as usize] = mask.unwrap_or(0);
            }
            if !violations {
                continue;
            }
            // The first violation, preferring one libsepol 3.4 reports too: for a
            // neverallow naming `self` it reports only pairs of one type with itself.
            let mut hit = None;
            let allowed = allowed.get_or_insert_with(|| allowed_entries(db));
            for &(e, table) in allowed.iter() {
                let bad = e.data & masks[e.key.class as usize];
                if bad == 0 {
                    continue;
                }
                let s = members(syms, e.key.source);
                if !s.intersects(&src) {
                    continue;
                }
                let t = members(syms, e.key.target);
                let self_hit = has_self && s.intersection(&t).intersects(&src);
                if !(t.intersects(&tgt) || self_hit) {
                    continue;
                }
                if let Never::Ioctls(bits, _) = &what {
                    let allowed_xperms =
                        allowed_xperms.get_or_insert_with(|| AllowedXperms::new(syms, db));
                    if !xperm_violation(
                        syms,
                        allowed_xperms,
                        e,
                        table,
                        (&src, &tgt, has_self),
                        bits,
                    ) {
                        continue;
                    }
                }
                let reported = !has_self || self_hit;
                if reported || hit.is_none() {
                    hit = Some((e, bad, reported));
                }
                if reported {
                    break;
                }
            }
            let Some((e, bad, reported)) = hit else {
                continue;
            };
            let rule_text = format!(
                "allow {} {}:{} {}",
                syms.type_names[e.key.source as usize - 1],
                syms.type_names[e.key.target as usize - 1],
                db.classes[e.key.class as usize - 1].name,
                perm_names(db, e.key.class, bad)
            );
            let (keyword, note) = match what {
                Never::Perms(_) => ("neverallow", None),
                Never::Ioctls(..) => (
                    "neverallowxperm",
                    Some("`ioctl` is allowed, and no `allowxperm` rule keeps it off the forbidden numbers"),
                ),
            };
            let mut d = Diagnostic::error(
                "neverallow-violation",
                format!("{keyword} violated by `{rule_text}`"),
            )
            .primary(cx.file, item.span, format!("this {keyword}"));
            for span in allow_rules_granting(cx, syms, enabled, e, bad) {
                d = d.secondary(cx.file, span, "is contradicted by this rule");
            }
            if let Some(note) = note {
                d = d.note(note);
            }
            if !reported {
                d = d.note(SELF_NEVERALLOW_GAP);
            }
            cx.push(d);
        }
    }
}

/// What a neverallow forbids: permissions, or ioctl numbers (as 65,536 bits).
enum Never<'a> {
    Perms(&'a crate::syntax::ast::Set),
    /// The forbidden ioctl numbers, and the operation naming them.
    Ioctls(Vec<u64>, &'a crate::syntax::ast::Ident),
}

/// Source rules that put `bad` bits into the entry `e` (for the secondary labels): those
/// whose expansion, attributes kept as the avtab keeps them, makes exactly this key.
fn allow_rules_granting(
    cx: &mut Cx,
    syms: &Syms,
    blocks: &[&Block<'_>],
    e: &AvtabEntry,
    bad: u32,
) -> Vec<crate::source::Span> {
    let mut out = Vec::new();
    let (s, t) = (e.key.source as u32 - 1, e.key.target as u32 - 1);
    let mut visit = |cx: &mut Cx, item: &crate::syntax::ast::Item| {
        let Some(Rule::Av {
            kind: AvRuleKind::Allow,
            source,
            target,
            classes,
            perms,
        }) = as_rule(item)
        else {
            return;
        };
        let Some((rs, rt, rself)) = rule_types(cx, syms, source, target, false, false) else {
            return;
        };
        if !rs.get(s) || !(rt.get(t) || (rself && s == t)) {
            return;
        }
        let Some(cl) = resolve::class_set(cx, syms, classes) else {
            return;
        };
        if !cl.contains(&(e.key.class as u32)) {
            return;
        }
        if resolve::perm_mask(cx, syms, e.key.class as u32, perms).is_some_and(|m| m & bad != 0) {
            out.push(item.span);
        }
    };
    for item in super::declare::statements(blocks) {
        visit(cx, item);
    }
    out
}

/// Checks that no bounded type has a permission its bounding type lacks, as libsepol's
/// hierarchy check does: each allow entry of the child, with every target that has a
/// bounding type replaced by it, must be covered by the parent's entries. Unconditional
/// entries are checked against the parent's unconditional ones plus what both branches of
/// one conditional give it; a branch's entries also against the parent's entries of the
/// same branch, where (as libsepol reads them) every kind of entry counts, with its raw
/// data, as allowed.
pub(super) fn typebounds(cx: &mut Cx, syms: &Syms, db: &PolicyDb) {
    type Cover = HashMap<(u32, u16), u32>;
    let allowed = |e: &&AvtabEntry| e.key.specified & avkind::ALLOWED != 0;
    for (child, &parent) in syms.type_bounds.iter().enumerate() {
        if parent == 0 {
            continue;
        }
        let child = child as u32;
        let parent_bit = parent - 1;
        // What the parent may do, by (target type bit, class).
        let expand = |cover: &mut Cover, e: &AvtabEntry| {
            if members(syms, e.key.source).get(parent_bit) {
                for t in members(syms, e.key.target).iter() {
                    *cover.entry((t, e.key.class)).or_default() |= e.data;
                }
            }
        };
        let mut global = Cover::new();
        for e in db.avtab.iter().filter(allowed) {
            expand(&mut global, e);
        }
        let mut branches: Vec<(Cover, Cover)> = Vec::new();
        for node in &db.cond_list {
            let (mut yes, mut no) = (Cover::new(), Cover::new());
            node.true_list.iter().for_each(|e| expand(&mut yes, e));
            for e in &node.false_list {
                let mut one = Cover::new();
                expand(&mut one, e);
                for (k, d) in one {
                    let both = yes.get(&k).map_or(0, |y| y & d);
                    if both != 0 {
                        *global.entry(k).or_default() |= both;
                    }
                    *no.entry(k).or_default() |= d;
                }
            }
            branches.push((yes, no));
        }
        let mut report: Vec<String> = Vec::new();
        let mut check = |e: &AvtabEntry, branch: Option<&Cover>| {
            if !members(syms, e.key.source).get(child) {
                return;
            }
            for t in members(syms, e.key.target).iter() {
                let bound = syms.type_bounds.get(t as usize).copied().unwrap_or(0);
                let key = (if bound != 0 { bound - 1 } else { t }, e.key.class);
                let mut extra = e.data & !branch.and_then(|b| b.get(&key)).copied().unwrap_or(0);
                extra &= !global.get(&key).copied().unwrap_or(0);
                if extra != 0 {
                    report.push(format!(
                        "allow {} {}:{} {}",
                        syms.type_names[child as usize],
                        syms.type_names[t as usize],
                        db.classes[e.key.class as usize - 1].name,
                        perm_names(db, e.key.class, extra)
                    ));
                }
            }
        };
        db.avtab.iter().filter(allowed).for_each(|e| check(e, None));
        for (node, (yes, no)) in db.cond_list.iter().zip(&branches) {
            (node.true_list.iter().filter(allowed)).for_each(|e| check(e, Some(yes)));
            (node.false_list.iter().filter(allowed)).for_each(|e| check(e, Some(no)));
        }
        if report.is_empty() {
            continue;
        }
        let child_name = &syms.type_names[child as usize];
        let parent_name = &syms.type_names[parent_bit as usize];
        let span = syms.bounds_spans.get(&child).copied().unwrap_or_default();
        let mut d = Diagnostic::error(
            "typebounds-violation",
            format!("type `{child_name}` exceeds the bounds of its parent `{parent_name}`"),
        )
        .primary(
            cx.file,
            span,
            format!("`{child_name}` is bounded by `{parent_name}` here"),
        );
        for r in report.iter().take(20) {
            d = d.note(format!("`{parent_name}` lacks what this grants: {r}"));
        }
        cx.push(d);
    }
}
