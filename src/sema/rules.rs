//! Rules into the database, in checkpolicy 3.4's orders: role and user contents, the
//! unconditional avtab (binary-format.md §5), conditional nodes (§6), role transitions and
//! allows (§7), named type transitions (§7.3), range transitions (§9), class defaults.

use super::declare::{Block, Syms};
use super::resolve::{self, Expand, SetPlace, TypeSet};
use super::Cx;
use crate::diag::Diagnostic;
use crate::name::Name;
use crate::parallel;
use crate::policydb::limits;
use crate::policydb::{
    avkind, hashtab, AvtabEntry, AvtabKey, ClassId, CondExprItem, CondNode, CondOp, Ebitmap,
    FilenameTrans, PolicyDb, RangeTrans, Role, RoleAllow, RoleTrans, TypeId, User, Xperms,
};
use crate::source::Span;
use crate::syntax::ast::{self, AvRuleKind, ItemKind, TypeRuleKind, XpermRuleKind};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Fills roles, users, the rule tables and class defaults.
/// Returns what the global block grants, which contexts are checked against.
pub(super) fn lower_rules(
    cx: &mut Cx,
    syms: &Syms,
    enabled: &[&Block<'_>],
    db: &mut PolicyDb,
) -> resolve::ContextGrants {
    let role_types = roles(cx, syms, enabled, db);
    let user_roles = users(cx, syms, enabled, db);
    defaults(cx, syms, &enabled[0].items, db);
    avtab(cx, syms, enabled, db);
    role_rules(cx, syms, enabled, db);
    range_transitions(cx, syms, enabled, db);
    resolve::ContextGrants {
        user_roles,
        role_types,
        user_ranges: db.users.iter().map(|u| u.range.clone()).collect(),
    }
}

/// What checkpolicy checks in every statement as it parses, whether the linker keeps its
/// block (and a tunable its branch) or not: class sets of names only, the permissions
/// named for declared classes, `dontaudit` with a `~`, and extended permission sets. The
/// blocks left out are never lowered, so these checks run on them alone.
pub(super) fn check_left_out<'a>(
    cx: &mut Cx,
    syms: &Syms,
    left_out: impl IntoIterator<Item = &'a ast::Item>,
) {
    // A class the block only requires may be missing: that is why it was left out.
    let declared = |classes: &ast::Set| -> Vec<u32> {
        (classes.items.iter())
            .filter(|i| !i.negated())
            .filter_map(|i| syms.class_idx.get(i.name().name.as_str()))
            .map(|&i| i as u32 + 1)
            .collect()
    };
    for item in left_out {
        if let ItemKind::If {
            cond,
            then_items,
            else_items,
        } = &item.kind
        {
            let mut named = Vec::new();
            super::declare::cond_bools(cond, &mut named);
            for (_, name) in named {
                if !syms.bool_names_anywhere.contains(&name.name) {
                    unknown_boolean(cx, &name);
                }
            }
            let branches = (then_items.iter().chain(else_items.iter().flatten())).map(Box::as_ref);
            check_left_out(cx, syms, branches);
            continue;
        }
        if let Some(rule) = as_rule(item) {
            let never = rule.is_neverallow();
            let (source, target, classes) = rule.sets();
            resolve::names_only(cx, classes, "class", "undefined-class");
            let place = SetPlace {
                self_ok: true,
                star_ok: never,
            };
            let _ = resolve::star_allowed(cx, source, place)
                && resolve::star_allowed(cx, target, place);
            let names = (source.items.iter())
                .chain(&target.items)
                .map(ast::SetItem::name);
            for n in names.filter(|n| n.name != "self") {
                if !syms.type_names_anywhere.contains(n.name.as_str()) {
                    cx.error(
                        "undefined-type",
                        n.span,
                        format!("unknown type `{}`", n.name),
                        "declared nowhere",
                    );
                }
            }
        }
        match &item.kind {
            ItemKind::AvRule {
                kind,
                classes,
                perms,
                ..
            } => {
                let declared = declared(classes);
                if !declared.is_empty() {
                    dontaudit_complement(cx, *kind, perms);
                }
                for c in declared {
                    let _ = resolve::perm_mask(cx, syms, c, perms);
                }
            }
            ItemKind::XpermRule {
                classes,
                operation,
                perms,
                ..
            } if ioctl_operation(cx, operation) && ioctl_bits(cx, perms).is_some() => {
                for c in declared(classes) {
                    let _ = ioctl_perm(cx, syms, c, operation);
                }
            }
            _ => {}
        }
    }
}

/// checkpolicy's warning for `dontaudit ... ~{ ... }`.
fn dontaudit_complement(cx: &mut Cx, kind: AvRuleKind, perms: &ast::Set) {
    if kind == AvRuleKind::Dontaudit && perms.complement() {
        cx.push(
            Diagnostic::warning("dontaudit-complement", "dontaudit rule with a `~`")
                .primary(cx.file, perms.span, "a complemented permission set")
                .note("`dontaudit` already names what is not audited"),
        );
    }
}

/// Role records: `role R types S` statements, role attributes' types merged into their
/// members, dominance (every role dominates itself). Returns the types of each role after
/// the global block (the first), before other blocks and role attributes add theirs.
fn roles(cx: &mut Cx, syms: &Syms, blocks: &[&Block<'_>], db: &mut PolicyDb) -> Vec<Ebitmap> {
    let n = syms.role_names.len();
    let mut types = vec![Ebitmap::new(); n];
    let mut dominates = vec![Ebitmap::new(); n];
    // Attribute memberships as libsepol's expander has them when it reaches each block:
    // those of the blocks so far, the block's own included.
    let mut members = vec![Ebitmap::new(); syms.type_names.len()];
    let mut global = None;
    // checkpolicy reads a dominance against the global block's records, whichever block
    // it is written in: it copies the types the global block has given so far in the
    // text. So other blocks' dominances are applied to the global block's sets at their
    // place in the text (their diagnostics stay in their own block).
    let mut elsewhere = blocks
        .iter()
        .skip(1)
        .flat_map(|b| &b.items)
        .filter_map(|item| match &item.kind {
            ItemKind::RoleDominance(doms) => Some((item.span.start, doms)),
            _ => None,
        })
        .collect::<Vec<_>>();
    elsewhere.sort_by_key(|&(start, _)| start);
    let mut elsewhere = elsewhere.into_iter().peekable();
    for (i, b) in blocks.iter().enumerate() {
        for (a, t) in super::declare::block_memberships(syms, b) {
            members[a as usize].set(t);
        }
        // libsepol gives each block its own copy of a role, whose statements merge into
        // one set that is expanded (negations last) before the blocks' copies are joined.
        let mut block_sets: BTreeMap<u32, resolve::RawTypeSet> = BTreeMap::new();
        let global_block = i == 0;
        let copy_dominance =
            |d: &ast::RoleDom,
             dominates: &mut Vec<Ebitmap>,
             sets: &mut BTreeMap<u32, resolve::RawTypeSet>| {
                dominance_edges(syms, d, dominates);
                let copy = DominanceCopy {
                    syms,
                    members: &members,
                    dominates,
                };
                copy.types(d, sets);
            };
        for item in &b.items {
            if global_block {
                while let Some((_, doms)) = elsewhere.next_if(|&(s, _)| s < item.span.start) {
                    doms.iter()
                        .for_each(|d| copy_dominance(d, &mut dominates, &mut block_sets));
                }
            }
            match &item.kind {
                ItemKind::Role {
                    name,
                    types: Some(set),
                    ..
                } => {
                    let declared_after = (syms.dominance_roles_from.get(name.name.as_str()))
                        .is_some_and(|&at| at > item.span.start);
                    let Some(&rv) = syms
                        .roles
                        .get(name.name.as_str())
                        .filter(|_| !declared_after)
                    else {
                        cx.error(
                            "undefined-role",
                            name.span,
                            format!("unknown role `{}`", name.name),
                            "not declared with `role` or `attribute_role`",
                        );
                        continue;
                    };
                    if let Some(raw) = resolve::raw_type_set(cx, syms, set, SetPlace::PLAIN) {
                        block_sets.entry(rv).or_default().merge(&raw);
                    }
                }
                ItemKind::RoleDominance(doms) => {
                    for d in doms {
                        dominance_diagnostics(cx, syms, d);
                        if global_block {
                            copy_dominance(d, &mut dominates, &mut block_sets);
                        }
                    }
                }
                _ => {}
            }
        }
        if global_block {
            for (_, doms) in elsewhere.by_ref() {
                doms.iter()
                    .for_each(|d| copy_dominance(d, &mut dominates, &mut block_sets));
            }
        }
        for (rv, raw) in block_sets {
            let set = raw.expand_with(syms, &members, Expand::Always);
            types[rv as usize - 1].union_with(&set.types);
        }
        global.get_or_insert_with(|| types.clone());
    }
    for a in 0..n {
        if syms.role_is_attr[a] {
            let t = types[a].clone();
            for m in syms.role_attr_members[a].iter() {
                types[m as usize].union_with(&t);
            }
        }
    }
    db.roles = (0..n)
        .map(|i| {
            let object_r = i == 0;
            let mut dom = dominates[i].clone();
            if !object_r {
                dom.set(i as u32);
            }
            Some(Role {
                name: syms.role_names[i].to_string(),
                attribute: syms.role_is_attr[i],
                bounds: None,
                dominates: dom,
                types: if object_r {
                    Ebitmap::new()
                } else {
                    types[i].clone()
                },
            })
        })
        .collect();
    global.unwrap_or_default()
}

/// checkpolicy copies a dominated role's types into the dominating role when it reads the
/// dominance: the types given so far, not those of later statements or other blocks.
struct DominanceCopy<'a> {
    syms: &'a Syms,
    members: &'a [Ebitmap],
    dominates: &'a [Ebitmap],
}

impl DominanceCopy<'_> {
    /// Copies the types of `d`'s dominated roles into `d`'s role (and into the roles that
    /// already dominate it); `d`'s role's types now.
    fn types(&self, d: &ast::RoleDom, sets: &mut BTreeMap<u32, resolve::RawTypeSet>) -> Ebitmap {
        let Some(&rv) = self.syms.roles.get(d.role.name.as_str()) else {
            return Ebitmap::new();
        };
        let mut copied = Ebitmap::new();
        for sub in &d.dominated {
            copied.union_with(&self.types(sub, sets));
        }
        let set = sets.entry(rv).or_default();
        set.include(&copied);
        let now = set
            .expand_with(self.syms, self.members, Expand::Always)
            .types;
        if !d.dominated.is_empty() {
            for (r, doms) in self.dominates.iter().enumerate() {
                if r as u32 + 1 != rv && doms.get(rv - 1) {
                    sets.entry(r as u32 + 1).or_default().include(&now);
                }
            }
        }
        now
    }
}

/// The warning every role of a dominance gets, and an error for a role never declared.
fn dominance_diagnostics(cx: &mut Cx, syms: &Syms, d: &ast::RoleDom) {
    cx.push(
        Diagnostic::warning("role-dominance", "role dominance has been deprecated").primary(
            cx.file,
            d.role.span,
            "dominance of this role",
        ),
    );
    if !syms.roles.contains_key(d.role.name.as_str()) {
        cx.error(
            "undefined-role",
            d.role.span,
            format!("unknown role `{}`", d.role.name),
            "not declared",
        );
        return;
    }
    for sub in &d.dominated {
        dominance_diagnostics(cx, syms, sub);
    }
}

/// Records `role R { role S; ... }`: R dominates S and everything S dominates.
fn dominance_edges(syms: &Syms, d: &ast::RoleDom, dominates: &mut [Ebitmap]) -> Ebitmap {
    let mut mine = Ebitmap::new();
    let Some(&rv) = syms.roles.get(d.role.name.as_str()) else {
        return mine;
    };
    mine.set(rv - 1);
    for sub in &d.dominated {
        let s = dominance_edges(syms, sub, dominates);
        dominates[rv as usize - 1].union_with(&s);
        mine.union_with(&s);
    }
    mine
}

/// User records: roles (attributes expanded), and under MLS the default level and range.
/// Returns the roles each user's statements in the global block name, attributes not
/// expanded.
fn users(cx: &mut Cx, syms: &Syms, blocks: &[&Block<'_>], db: &mut PolicyDb) -> Vec<Ebitmap> {
    // Every user gets a record, even one with errors, so that values stay indices.
    let mut out: Vec<User> = syms
        .user_names
        .iter()
        .map(|n| User {
            name: n.to_string(),
            bounds: None,
            roles: Ebitmap::new(),
            range: Default::default(),
            dflt_level: Default::default(),
        })
        .collect();
    // Whether each user's first statement is still to come.
    let mut first_to_come = vec![true; out.len()];
    let mut global_roles = vec![Ebitmap::new(); out.len()];
    for (bi, b) in blocks.iter().enumerate() {
        for item in &b.items {
            let ItemKind::User {
                name,
                roles,
                level,
                range,
            } = &item.kind
            else {
                continue;
            };
            let Some(&uv) = syms.users.get(name.name.as_str()) else {
                continue;
            };
            let user = &mut out[uv as usize - 1];
            let again = !std::mem::take(&mut first_to_come[uv as usize - 1]);
            if bi == 0 {
                let named = roles.items.iter().filter(|r| !r.negated());
                for &rv in named.filter_map(|r| syms.roles.get(r.name().name.as_str())) {
                    global_roles[uv as usize - 1].set(rv - 1);
                }
            }
            let roles = resolve::role_set(cx, syms, roles).unwrap_or_default();
            user.roles.union_with(&roles);
            match (cx.opts.mls, level, range) {
                (true, Some(l), Some(r)) => {
                    let (Some(l), Some(r)) =
                        (resolve::level(cx, syms, l), resolve::range(cx, syms, r))
                    else {
                        continue;
                    };
                    if !(resolve::dominates(&l, &r.low) && resolve::dominates(&r.high, &l)) {
                        cx.error(
                            "invalid-user-level",
                            name.span,
                            format!(
                                "the default level of user `{}` is outside its range",
                                name.name
                            ),
                            "user declared here",
                        );
                    }
                    if again && (user.dflt_level != l || user.range != r) {
                        cx.error(
                            "conflicting-user-range",
                            name.span,
                            format!("user `{}` is given another level or range", name.name),
                            "differs from the user's first statement",
                        );
                    }
                    user.dflt_level = l;
                    user.range = r;
                }
                (true, _, _) => cx.error(
                    "missing-range",
                    name.span,
                    format!(
                        "user `{}` needs a level and a range in an MLS policy",
                        name.name
                    ),
                    "no MLS level or range",
                ),
                (false, Some(_), _) | (false, _, Some(_)) => cx.error(
                    "mls-not-enabled",
                    item.span,
                    "a user level or range in a policy compiled without MLS".to_string(),
                    "needs MLS",
                ),
                (false, None, None) => {}
            }
        }
    }
    // A dotted user name `parent.child` is bounded by `parent`.
    let mut users = out;
    for u in users.iter_mut() {
        if let Some((parent, _)) = u.name.rsplit_once('.') {
            if let Some(&pv) = syms.users.get(parent) {
                u.bounds = Some(super::id(pv));
            }
        }
    }
    db.users = users;
    global_roles
}

/// `default_user`, `default_role`, `default_type`, `default_range`.
fn defaults(cx: &mut Cx, syms: &Syms, items: &[&ast::Item], db: &mut PolicyDb) {
    use ast::{DefaultKind as K, DefaultValue as V};
    for item in items {
        let ItemKind::Default {
            kind,
            classes,
            value,
            value_span,
        } = &item.kind
        else {
            continue;
        };
        let code = match value {
            V::Source => 1,
            V::Target => 2,
            V::SourceLow => 1,
            V::SourceHigh => 2,
            V::SourceLowHigh => 3,
            V::TargetLow => 4,
            V::TargetHigh => 5,
            V::TargetLowHigh => 6,
            V::Glblub => 7,
        };
        let range_value = !matches!(value, V::Source | V::Target);
        if range_value != (*kind == K::Range) {
            cx.error(
                "bad-default",
                *value_span,
                "this value does not fit the kind of default".to_string(),
                "unexpected value",
            );
            continue;
        }
        for c in classes {
            let Some(&ci) = syms.class_idx.get(c.name.as_str()) else {
                cx.error(
                    "undefined-class",
                    c.span,
                    format!("unknown class `{}`", c.name),
                    "not declared",
                );
                continue;
            };
            let class = &mut db.classes[ci];
            let slot = match kind {
                K::User => &mut class.default_user,
                K::Role => &mut class.default_role,
                K::Type => &mut class.default_type,
                K::Range => &mut class.default_range,
            };
            if *slot != 0 && *slot != code {
                cx.error(
                    "conflicting-default",
                    c.span,
                    format!("class `{}` already has a different default", c.name),
                    "conflicting default",
                );
            }
            *slot = code;
        }
    }
}

/// A type bit (value - 1) as an avtab key holds it.
fn type_key_value(bit: u32) -> u16 {
    TypeId::from_index(bit as usize)
        .and_then(|t| t.to_u16().ok())
        .expect("declare.rs caps type values at limits::MAX_SYMBOLS")
}

/// A class value as an avtab key holds it.
fn class_key_value(class: u32) -> u16 {
    ClassId::from_value(class)
        .and_then(|c| c.to_u16().ok())
        .expect("declare.rs caps class values at limits::MAX_SYMBOLS")
}

fn av_kind(kind: AvRuleKind) -> Option<u16> {
    match kind {
        AvRuleKind::Allow => Some(avkind::ALLOWED),
        AvRuleKind::Auditallow => Some(avkind::AUDITALLOW),
        AvRuleKind::Auditdeny | AvRuleKind::Dontaudit => Some(avkind::AUDITDENY),
        AvRuleKind::Neverallow => None,
    }
}

fn type_kind(kind: TypeRuleKind) -> u16 {
    match kind {
        TypeRuleKind::Transition => avkind::TRANSITION,
        TypeRuleKind::Member => avkind::MEMBER,
        TypeRuleKind::Change => avkind::CHANGE,
    }
}

fn xperm_kind(kind: XpermRuleKind) -> Option<u16> {
    match kind {
        XpermRuleKind::Allow => Some(avkind::XPERMS_ALLOWED),
        XpermRuleKind::Auditallow => Some(avkind::XPERMS_AUDITALLOW),
        XpermRuleKind::Dontaudit => Some(avkind::XPERMS_DONTAUDIT),
        XpermRuleKind::Neverallow => None,
    }
}

/// Merges a value into an entry's data by the entry's kind; `Err` when a type rule
/// disagrees with the type already there.
///
/// What one rule contributes to one key is an [`AvtabEntry`] of the rule's kind, its data
/// read by that kind as here: permission bits to OR in (allow, auditallow), bits to AND
/// in (dontaudit passes the complement), a type rule's new type, or for extended
/// permissions an index into the expanding [`ResolvedRules`]' own list.
fn merge(kind: u16, data: &mut u32, value: u32, created: bool) -> Result<(), ()> {
    match kind {
        avkind::AUDITDENY => *data &= value,
        k if k & avkind::TYPE_RULES != 0 => {
            if !created && *data != value {
                return Err(());
            }
            *data = value;
        }
        _ => *data |= value,
    }
    Ok(())
}

/// The initial data of a new entry of a kind.
fn initial_data(kind: u16) -> u32 {
    if kind == avkind::AUDITDENY {
        u32::MAX
    } else {
        0
    }
}

/// The unconditional avtab being built: one array holding every contribution, spread over
/// 1024 regions by the high bits of its avtab bucket and in generation order (which is
/// creation order) inside each region; merged and ordered at the end region by region, in
/// place. Memory stays at 12 bytes a contribution: no hash map over millions of keys, no
/// second copy. Extended permissions are contributions whose `data` indexes `xperms`.
struct Unconditional {
    entries: Vec<AvtabEntry>,
    /// Where each region starts (and, last, the total).
    starts: Vec<usize>,
    xperms: Vec<Xperms>,
}

/// The number of regions of [`Unconditional`].
const REGIONS: usize = 1024;

/// From how many unconditional rules (or table entries, when merging) the avtab is built
/// on two threads.
const TWO_THREADS_FROM: usize = 1 << 12;

/// One thread's share of [`Unconditional`] being filled: its part of each region (counted
/// beforehand) and the extended permissions it adds, numbered from `xperm_base`.
struct Filler<'e> {
    parts: Vec<&'e mut [AvtabEntry]>,
    next: Vec<usize>,
    xperms: Vec<Xperms>,
    xperm_base: usize,
}

impl<'e> Filler<'e> {
    fn new(parts: Vec<&'e mut [AvtabEntry]>, xperm_base: usize) -> Self {
        Filler {
            next: vec![0; parts.len()],
            parts,
            xperms: Vec::new(),
            xperm_base,
        }
    }

    /// Places contribution `e`, whose extended permissions (if any) index `xperms`.
    fn place(&mut self, mut e: AvtabEntry, xperms: &[Xperms]) {
        if e.key.specified & avkind::XPERMS != 0 {
            self.xperms.push(xperms[e.data as usize]);
            e.data = (self.xperm_base + self.xperms.len() - 1) as u32;
        }
        let r = avtab_bucket(&e.key) as usize >> 10;
        let slot = self.parts[r]
            .get_mut(self.next[r])
            .expect("the counting pass expands the same rules into the same entries");
        *slot = e;
        self.next[r] += 1;
    }
}

/// The unconditional rules' contributions placed in their regions, on two threads: each
/// resolves half of the rules once and expands them twice, first counting what each
/// region gets from it, then filling its part of regions made to measure, the first
/// half's part of each region before the second's, so the table is the one a single pass
/// would make.
fn unconditional(cx: &mut Cx, syms: &Syms, items: &[&ast::Item], drops: &Drops) -> Unconditional {
    let mid = items.len() / 2;
    let (head, tail) = items.split_at(mid);
    // Each half reports into a context of its own; the reports are then joined in order.
    let count = |half: &[&ast::Item], first: usize| {
        let mut own = cx.quiet();
        let mut rules = ResolvedRules::default();
        for (i, item) in half.iter().enumerate() {
            if let Some(rule) = as_rule(item) {
                rules.add(&mut own, syms, &rule, first + i);
            }
        }
        let mut counts = vec![0usize; REGIONS];
        let mut n_xperms = 0;
        rules.expand(drops, |e| {
            counts[avtab_bucket(&e.key) as usize >> 10] += 1;
            n_xperms += usize::from(e.key.specified & avkind::XPERMS != 0);
        });
        (own.diags, rules, counts, n_xperms)
    };
    let (
        (head_diags, head_rules, head_counts, head_xperms),
        (tail_diags, tail_rules, tail_counts, _),
    ) = parallel::join(
        items.len() >= TWO_THREADS_FROM,
        || count(head, 0),
        || count(tail, mid),
    );
    cx.diags.extend(head_diags);
    cx.diags.extend(tail_diags);
    let mut starts = vec![0usize; REGIONS + 1];
    for r in 0..REGIONS {
        starts[r + 1] = starts[r] + head_counts[r] + tail_counts[r];
    }
    // Zeroed by the kernel as the fillers first touch each page, on their own threads: a
    // `vec![entry; n]` would write all of it here first.
    let mut entries: Vec<AvtabEntry> = bytemuck::zeroed_vec(starts[REGIONS]);
    let (mut head_parts, mut tail_parts) = (Vec::new(), Vec::new());
    let mut rest = entries.as_mut_slice();
    for r in 0..REGIONS {
        let (region, after) = rest.split_at_mut(starts[r + 1] - starts[r]);
        let (h, t) = region.split_at_mut(head_counts[r]);
        head_parts.push(h);
        tail_parts.push(t);
        rest = after;
    }
    let fill = |rules: ResolvedRules, mut filler: Filler<'_>| {
        rules.expand(drops, |e| filler.place(e, &rules.xperms));
        filler.xperms
    };
    let (mut xperms, tail_xperms) = parallel::join(
        items.len() >= TWO_THREADS_FROM,
        || fill(head_rules, Filler::new(head_parts, 0)),
        || fill(tail_rules, Filler::new(tail_parts, head_xperms)),
    );
    xperms.extend(tail_xperms);
    Unconditional {
        entries,
        starts,
        xperms,
    }
}

/// A conditional branch being built: entries unique per key, in creation order.
#[derive(Default)]
struct Branch {
    index: HashMap<AvtabKey, usize>,
    entries: Vec<AvtabEntry>,
    rules: Vec<u32>,
}

impl Branch {
    /// Merges `e` in; whether its key was new, or the rule its type conflicts with.
    fn add(&mut self, e: &AvtabEntry, rule: u32) -> Result<bool, u32> {
        let (idx, created) = match self.index.get(&e.key) {
            Some(&i) => (i, false),
            None => {
                self.entries.push(AvtabEntry {
                    key: e.key,
                    data: initial_data(e.key.specified),
                });
                self.rules.push(rule);
                self.index.insert(e.key, self.entries.len() - 1);
                (self.entries.len() - 1, true)
            }
        };
        merge(
            e.key.specified,
            &mut self.entries[idx].data,
            e.data,
            created,
        )
        .map(|()| created)
        .map_err(|_| self.rules[idx])
    }
}

/// A rule that reaches the avtab.
pub(super) enum Rule<'a> {
    Av {
        kind: AvRuleKind,
        source: &'a ast::Set,
        target: &'a ast::Set,
        classes: &'a ast::Set,
        perms: &'a ast::Set,
    },
    Type {
        kind: TypeRuleKind,
        source: &'a ast::Set,
        target: &'a ast::Set,
        classes: &'a ast::Set,
        new_type: &'a ast::Ident,
    },
    Xperm {
        kind: XpermRuleKind,
        source: &'a ast::Set,
        target: &'a ast::Set,
        classes: &'a ast::Set,
        operation: &'a ast::Ident,
        perms: &'a ast::XpermSet,
    },
}

impl<'a> Rule<'a> {
    /// Its source, target and class sets.
    fn sets(&self) -> (&'a ast::Set, &'a ast::Set, &'a ast::Set) {
        match *self {
            Rule::Av {
                source,
                target,
                classes,
                ..
            }
            | Rule::Type {
                source,
                target,
                classes,
                ..
            }
            | Rule::Xperm {
                source,
                target,
                classes,
                ..
            } => (source, target, classes),
        }
    }

    /// Whether it is a `neverallow` or `neverallowxperm`, which adds nothing to the avtab.
    fn is_neverallow(&self) -> bool {
        matches!(
            self,
            Rule::Av {
                kind: AvRuleKind::Neverallow,
                ..
            } | Rule::Xperm {
                kind: XpermRuleKind::Neverallow,
                ..
            }
        )
    }
}

/// The rule an item is, if it is one that reaches the avtab (named transitions excluded).
pub(super) fn as_rule(item: &ast::Item) -> Option<Rule<'_>> {
    match &item.kind {
        ItemKind::AvRule {
            kind,
            source,
            target,
            classes,
            perms,
        } => Some(Rule::Av {
            kind: *kind,
            source,
            target,
            classes,
            perms,
        }),
        ItemKind::TypeRule {
            kind,
            source,
            target,
            classes,
            new_type,
            object_name: None,
        } => Some(Rule::Type {
            kind: *kind,
            source,
            target,
            classes,
            new_type,
        }),
        ItemKind::XpermRule {
            kind,
            source,
            target,
            classes,
            operation,
            perms,
        } => Some(Rule::Xperm {
            kind: *kind,
            source,
            target,
            classes,
            operation,
            perms,
        }),
        _ => None,
    }
}

/// The source and target bitmaps of a rule, expanded as libsepol expands them (§5.2).
pub(super) fn rule_types(
    cx: &mut Cx,
    syms: &Syms,
    source: &ast::Set,
    target: &ast::Set,
    always: bool,
    never: bool,
) -> Option<(Ebitmap, Ebitmap, bool)> {
    let has_self = target
        .items
        .iter()
        .any(|i| i.name().name == "self" && !i.negated());
    let mode = if always || has_self {
        Expand::Always
    } else {
        Expand::KeepAttributes
    };
    let place = |self_ok| SetPlace {
        self_ok,
        star_ok: never,
    };
    let s = resolve::type_set(cx, syms, source, mode, place(false));
    let t = resolve::type_set(cx, syms, target, mode, place(true));
    let (s, t) = (s?, t?);
    Some((s.types, t.types, t.has_self))
}

/// Expands one rule into keys in libsepol's loop order ([`ResolvedRules::expand`]).
///
/// The contributions' extended permissions are not kept: this serves the conditional
/// branches and type rules, which have none.
fn expand_rule(cx: &mut Cx, syms: &Syms, rule: &Rule<'_>, out: impl FnMut(AvtabEntry)) {
    let mut one = ResolvedRules::default();
    one.add(cx, syms, rule, 0);
    one.expand(&Drops::new(), out);
}

/// Target sets of at least this many types are kept once however many rules name them.
const SHARED_TARGETS_FROM: usize = 64;

/// Rules resolved to avtab key values, to be expanded (once or more) without being
/// resolved again: sources, targets and what each class gets, in arenas. Generated guests
/// name one attribute of thousands of types in thousands of rules, so a large target set
/// is converted and kept once. Keeping every rule resolved between the two passes over
/// the unconditional rules costs refpolicy about 8 MB, and resolving its rules again
/// (most of them small) costs more time than that is worth.
#[derive(Default)]
struct ResolvedRules {
    rules: Vec<ResolvedRule>,
    values: Vec<u16>,
    classes: Vec<(u16, u32)>,
    /// The extended permissions contributions' data indexes.
    xperms: Vec<Xperms>,
    shared: HashMap<Ebitmap, std::ops::Range<u32>>,
}

/// One rule of [`ResolvedRules`]: ranges of its arenas.
struct ResolvedRule {
    /// The rule's index among the rules expanded together (what [`Drops`] names).
    index: usize,
    sources: std::ops::Range<u32>,
    targets: std::ops::Range<u32>,
    classes: std::ops::Range<u32>,
    has_self: bool,
    kind_bit: u16,
}

impl ResolvedRules {
    /// Resolves `rule` (the `index`th), reporting what is wrong with it; a rule that
    /// cannot be resolved, or is a `neverallow`, adds nothing.
    fn add(&mut self, cx: &mut Cx, syms: &Syms, rule: &Rule<'_>, index: usize) {
        if rule.is_neverallow() {
            return;
        }
        let (source, target, classes) = rule.sets();
        // Type rules expand their attributes to types; access rules keep them.
        let always = matches!(rule, Rule::Type { .. });
        let types = rule_types(cx, syms, source, target, always, false);
        let Some(mut class_list) = resolve::class_set(cx, syms, classes) else {
            return;
        };
        // What each class gets.
        let mut per_class: Vec<(u32, u32)> = Vec::new();
        match rule {
            Rule::Av { kind, perms, .. } => {
                if !class_list.is_empty() {
                    dontaudit_complement(cx, *kind, perms);
                }
                for &c in &class_list {
                    let Some(mask) = resolve::perm_mask(cx, syms, c, perms) else {
                        continue;
                    };
                    let data = match kind {
                        AvRuleKind::Dontaudit => !mask,
                        _ => mask,
                    };
                    per_class.push((c, data));
                }
            }
            Rule::Type { new_type, .. } => {
                let Some(nt) = super::declare::real_type(cx, syms, new_type) else {
                    return;
                };
                class_list.reverse();
                per_class = class_list.iter().map(|&c| (c, nt)).collect();
            }
            Rule::Xperm {
                operation, perms, ..
            } => {
                if !ioctl_operation(cx, operation) {
                    return;
                }
                let Some(x) = xperm_contributions(cx, perms) else {
                    return;
                };
                let first = self.xperms.len() as u32;
                for &c in &class_list {
                    if ioctl_perm(cx, syms, c, operation).is_none() {
                        return;
                    }
                    per_class.extend((first..).take(x.len()).map(|i| (c, i)));
                }
                self.xperms.extend(x);
            }
        }
        let Some((sources, targets, has_self)) = types else {
            return;
        };
        let kind_bit = match rule {
            Rule::Av { kind, .. } => av_kind(*kind).expect("neverallow returned above"),
            Rule::Type { kind, .. } => type_kind(*kind),
            Rule::Xperm { kind, .. } => xperm_kind(*kind).expect("neverallow returned above"),
        };
        let at = |v: &Vec<u16>| v.len() as u32;
        let from = at(&self.values);
        self.values.extend(sources.iter().map(type_key_value));
        let sources = from..at(&self.values);
        let shared = targets.len() >= SHARED_TARGETS_FROM;
        let targets = match self.shared.get(&targets).filter(|_| shared) {
            Some(range) => range.clone(),
            None => {
                let from = at(&self.values);
                self.values.extend(targets.iter().map(type_key_value));
                let range = from..at(&self.values);
                if shared {
                    self.shared.insert(targets, range.clone());
                }
                range
            }
        };
        let from = self.classes.len() as u32;
        let per_class = per_class
            .iter()
            .map(|&(c, data)| (class_key_value(c), data));
        self.classes.extend(per_class);
        self.rules.push(ResolvedRule {
            index,
            sources,
            targets,
            classes: from..self.classes.len() as u32,
            has_self,
            kind_bit,
        });
    }

    /// Hands each key of the rules to `out` in libsepol's loop order: rules in order, then
    /// sources ascending, then (with `self`) the source itself, then targets ascending,
    /// then classes (ascending for access rules, descending for type rules); leaves out
    /// what `drops` names.
    fn expand(&self, drops: &Drops, mut out: impl FnMut(AvtabEntry)) {
        for r in &self.rules {
            self.expand_one(r, drops, &mut out);
        }
    }

    /// Hands the keys of one of the rules to `out`, as [`ResolvedRules::expand`] does.
    fn expand_one(&self, r: &ResolvedRule, drops: &Drops, mut out: impl FnMut(AvtabEntry)) {
        let range = |r: &std::ops::Range<u32>| r.start as usize..r.end as usize;
        let classes = &self.classes[range(&r.classes)];
        for &s in &self.values[range(&r.sources)] {
            if r.has_self {
                Self::pair(r, classes, s, s, drops, &mut out);
            }
            for &t in &self.values[range(&r.targets)] {
                Self::pair(r, classes, s, t, drops, &mut out);
            }
        }
    }

    /// The keys of one source and target, class by class (the innermost loop of millions).
    #[inline(always)]
    fn pair(
        r: &ResolvedRule,
        classes: &[(u16, u32)],
        source: u16,
        target: u16,
        drops: &Drops,
        out: &mut impl FnMut(AvtabEntry),
    ) {
        for &(class, data) in classes {
            let key = AvtabKey {
                source,
                target,
                class,
                specified: r.kind_bit,
            };
            let e = AvtabEntry { key, data };
            if !dropped(drops, r.index, &e) {
                out(e);
            }
        }
    }
}

/// The `ioctl` permission bit of a class an extended-permission rule names (reported if
/// the class has none).
pub(super) fn ioctl_perm(cx: &mut Cx, syms: &Syms, class: u32, op: &ast::Ident) -> Option<u32> {
    // A name never interned is no class's permission.
    let bit = Name::existing("ioctl").and_then(|ioctl| resolve::perm_bit(syms, class, ioctl));
    if bit.is_none() {
        cx.error(
            "undefined-permission",
            op.span,
            format!(
                "permission `ioctl` is not defined for class `{}`",
                syms.classes[class as usize - 1].name
            ),
            "no such permission",
        );
    }
    bit
}

/// Whether an extended-permission rule's operation is `ioctl`, the only one checkpolicy
/// 3.4 knows (reported if not).
pub(super) fn ioctl_operation(cx: &mut Cx, operation: &ast::Ident) -> bool {
    if operation.name == "ioctl" {
        return true;
    }
    cx.error(
        "unknown-xperm-operation",
        operation.span,
        format!("unknown extended permission operation `{}`", operation.name),
        "only `ioctl` is known",
    );
    false
}

/// The ioctl numbers of a set as 65,536 bits (bit `n % 64` of word `n / 64`), or `None`
/// (reported) for a range that runs backwards.
pub(super) fn ioctl_bits(cx: &mut Cx, set: &ast::XpermSet) -> Option<Vec<u64>> {
    let mut bits = vec![0u64; 1024];
    // checkpolicy reads each number with `(uint16_t) strtoul(...)`: the low 16 bits, and
    // all ones for a number past `unsigned long`.
    let ioctl = |n: &ast::Number| n.value.unwrap_or(u64::MAX) as u16;
    for r in &set.items {
        let lo = ioctl(&r.low);
        let hi = r.high.as_ref().map_or(lo, ioctl);
        if hi < lo {
            cx.error(
                "bad-xperm",
                set.span,
                "an extended permission range must not run backwards".to_string(),
                "backwards range",
            );
            return None;
        }
        for v in lo..=hi {
            bits[(v / 64) as usize] |= 1 << (v % 64);
        }
    }
    if set.complement {
        // checkpolicy 3.4 complements in 16-bit arithmetic that wraps past 0xffff: a set
        // reaching it becomes every ioctl (or ioctl 0 alone), a silent over-grant.
        if bits[1023] >> 63 != 0 {
            cx.diags.push(
                Diagnostic::error("bad-xperm", "a complemented ioctl set must not name 0xffff")
                    .primary(cx.file, set.span, "this set reaches 0xffff")
                    .note("checkpolicy 3.4 turns `~{ ... 0xffff }` into every ioctl (its complement wraps); flaskc refuses it (docs/divergences.md): list the ranges to allow instead"),
            );
            return None;
        }
        for w in bits.iter_mut() {
            *w = !*w;
        }
    }
    Some(bits)
}

/// The per-driver extended permissions of an ioctl set: whole drivers as one driver
/// entry, partial drivers as function entries (driver ascending).
fn xperm_contributions(cx: &mut Cx, set: &ast::XpermSet) -> Option<Vec<Xperms>> {
    let bits = ioctl_bits(cx, set)?;
    let mut drivers = [0u32; 8];
    let mut out = Vec::new();
    let mut any_driver = false;
    for d in 0..256usize {
        let words = &bits[d * 4..d * 4 + 4];
        if words.iter().all(|&w| w == u64::MAX) {
            drivers[d / 32] |= 1 << (d % 32);
            any_driver = true;
        } else if words.iter().any(|&w| w != 0) {
            let mut perms = [0u32; 8];
            for (i, w) in words.iter().enumerate() {
                perms[i * 2] = *w as u32;
                perms[i * 2 + 1] = (*w >> 32) as u32;
            }
            out.push(Xperms {
                specified: 1,
                driver: d as u8,
                perms,
            });
        }
    }
    if any_driver {
        out.insert(
            0,
            Xperms {
                specified: 2,
                driver: 0,
                perms: drivers,
            },
        );
    }
    Some(out)
}

/// Type-rule contributions that libsepol's expander leaves out, by rule (index into the
/// rules) and key.
type Drops = HashSet<(usize, AvtabKey)>;

/// libsepol's expander takes a type rule's classes in descending order for each source and
/// target, and returns from the whole (source, target) pair as soon as one class repeats
/// an existing rule with the same new type: the classes after it are left out, even where
/// nothing else gives them. checkpolicy 3.4 writes that policy, so flaskc does, and says
/// so: this finds the contributions skipped among the unconditional rules (in order), and
/// warns once per rule that loses any.
fn early_return_drops(cx: &mut Cx, syms: &Syms, items: &[&ast::Item]) -> Drops {
    let mut drops = Drops::new();
    let multi_class = |item: &ast::Item| match as_rule(item) {
        Some(Rule::Type { classes, .. }) => classes.star() || classes.items.len() > 1,
        _ => false,
    };
    if !items.iter().any(|i| multi_class(i)) {
        return drops;
    }
    let mut quiet = cx.quiet();
    let mut scratch = Vec::new();
    // Only keys a multi-class rule gives can make it skip classes: track those alone.
    let mut watched: HashMap<AvtabKey, Option<u32>> = HashMap::new();
    for item in items.iter().filter(|i| multi_class(i)) {
        scratch.clear();
        let rule = as_rule(item).expect("a type rule");
        expand_rule(&mut quiet, syms, &rule, |e| scratch.push(e));
        watched.extend(scratch.iter().map(|e| (e.key, None)));
    }
    for (i, item) in items.iter().enumerate() {
        let Some(rule @ Rule::Type { .. }) = as_rule(item) else {
            continue;
        };
        scratch.clear();
        expand_rule(&mut quiet, syms, &rule, |e| scratch.push(e));
        let mut skipped = SkipRest::default();
        let mut lost = Vec::new();
        for e in &scratch {
            let Some(slot) = watched.get_mut(&e.key) else {
                continue;
            };
            if skipped.covers(&e.key) {
                drops.insert((i, e.key));
                if slot.is_none() {
                    lost.push(e.key);
                }
                continue;
            }
            match *slot {
                Some(prev) if prev == e.data => skipped.start(&e.key),
                Some(_) => {}
                None => *slot = Some(e.data),
            }
        }
        if !lost.is_empty() {
            let shown: Vec<String> = (lost.iter().take(3))
                .map(|k| {
                    let name = |v: u16| syms.type_names[v as usize - 1].as_str();
                    let class = &syms.classes[k.class as usize - 1].name;
                    format!("`{} {} : {class}`", name(k.source), name(k.target))
                })
                .collect();
            let more = lost.len().saturating_sub(3);
            let tail = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            cx.push(
                Diagnostic::warning(
                    "type-rule-classes-skipped",
                    "checkpolicy leaves out some classes of this type rule, and so does flaskc",
                )
                .primary(cx.file, item.span, "some of its classes are left out")
                .note(format!("left out: {}{tail}", shown.join(", ")))
                .note(
                    "libsepol stops expanding a source and target at the first class that repeats an earlier rule; write the repeated class in a rule of its own",
                ),
            );
        }
    }
    drops
}

/// Whether rule `i`'s contribution `e` is one of `drops` (cheap when there are none).
fn dropped(drops: &Drops, i: usize, e: &AvtabEntry) -> bool {
    !drops.is_empty() && drops.contains(&(i, e.key))
}

/// libsepol's early return within one type rule: after a repeated key, the rest of the
/// rule's classes for the same source and target are skipped.
#[derive(Default)]
struct SkipRest(Option<(u16, u16)>);

impl SkipRest {
    fn start(&mut self, key: &AvtabKey) {
        self.0 = Some((key.source, key.target));
    }

    fn covers(&self, key: &AvtabKey) -> bool {
        self.0 == Some((key.source, key.target))
    }
}

/// The avtab bucket of a key in checkpolicy's fixed 2^20-bucket table (§5.3).
fn avtab_bucket(key: &AvtabKey) -> u32 {
    hashtab::avtab_hash(key, hashtab::AVTAB_COMPILE_MASK)
}

/// Conditional `if` statements of a block, classified.
struct CondIf<'a> {
    /// The condition in postfix, normalised once (as checkpolicy's parser does).
    expr: Vec<CondExprItem>,
    span: Span,
    tunable: bool,
    true_items: Vec<&'a ast::Item>,
    false_items: Vec<&'a ast::Item>,
}

/// The unconditional avtab and the conditional list.
fn avtab(cx: &mut Cx, syms: &Syms, blocks: &[&Block<'_>], db: &mut PolicyDb) {
    let mut uncond_items: Vec<&ast::Item> = Vec::new();
    let mut nodes: Vec<(Vec<CondExprItem>, Branch, Branch)> = Vec::new();
    let mut rule_spans: Vec<Span> = Vec::new();
    let mut expanded = Vec::new();
    let mut add_rules = |cx: &mut Cx, branch: &mut Branch, items: &[&ast::Item]| {
        for item in items {
            let Some(rule) = as_rule(item) else {
                continue;
            };
            let seq = rule_spans.len() as u32;
            rule_spans.push(item.span);
            expanded.clear();
            expand_rule(cx, syms, &rule, |e| expanded.push(e));
            let mut skipped = SkipRest::default();
            for e in expanded.drain(..) {
                if skipped.covers(&e.key) {
                    continue;
                }
                match branch.add(&e, seq) {
                    Ok(false) if e.key.specified & avkind::TYPE_RULES != 0 => skipped.start(&e.key),
                    Ok(_) => {}
                    Err(prev) => {
                        conflicting_type_rule(cx, item.span, rule_spans[prev as usize]);
                    }
                }
            }
        }
    };
    for b in blocks {
        let mut ifs: Vec<CondIf> = Vec::new();
        let mut plain: Vec<&ast::Item> = Vec::new();
        for item in &b.items {
            match &item.kind {
                ItemKind::If {
                    cond,
                    then_items,
                    else_items,
                } => {
                    if let Some(c) = cond_if(cx, syms, cond, then_items, else_items.as_deref()) {
                        ifs.push(c);
                    }
                }
                _ => plain.push(item),
            }
        }
        uncond_items.extend(plain);
        // Tunables: the chosen branch joins the unconditional rules, most recent node first,
        // each branch in reverse source order (§6.4).
        // `if`s of one truth table share a node, placed where the first of them is.
        let mut tunable_nodes: Vec<Vec<&CondIf>> = Vec::new();
        for c in ifs.iter().filter(|c| c.tunable) {
            match tunable_nodes
                .iter_mut()
                .find(|n| cond_equal(&n[0].expr, &c.expr))
            {
                Some(node) => node.push(c),
                None => tunable_nodes.push(vec![c]),
            }
        }
        // A node holds its first `if`'s condition, which chooses the branch of every `if`
        // merged into it (libsepol's truth tables may match conditions that differ).
        for node in tunable_nodes.iter().rev() {
            let holds = eval(&node[0].expr, syms);
            for c in node {
                let (branch, other) = if holds {
                    (&c.true_items, &c.false_items)
                } else {
                    (&c.false_items, &c.true_items)
                };
                uncond_items.extend(branch.iter().rev());
                check_left_out(cx, syms, other.iter().copied());
            }
        }
        // Boolean conditions: merged in the block as read, then normalised further and
        // merged with the nodes of the blocks before.
        let mut block_nodes: Vec<(Vec<CondExprItem>, Span, Vec<CondIf>)> = Vec::new();
        for c in ifs.into_iter().filter(|c| !c.tunable) {
            match block_nodes
                .iter_mut()
                .find(|(e, _, _)| cond_equal(e, &c.expr))
            {
                Some((_, _, same)) => same.push(c),
                None => block_nodes.push((c.expr.clone(), c.span, vec![c])),
            }
        }
        for (mut expr, span, same) in block_nodes {
            let Some(swapped) = settle(cx, &mut expr, span) else {
                continue;
            };
            let idx = match nodes.iter().position(|(e, _, _)| cond_equal(e, &expr)) {
                Some(i) => i,
                None => {
                    nodes.push((expr, Branch::default(), Branch::default()));
                    nodes.len() - 1
                }
            };
            let (_, t, f) = &mut nodes[idx];
            let (t, f) = if swapped { (f, t) } else { (t, f) };
            for c in &same {
                let tr: Vec<&ast::Item> = c.true_items.iter().rev().copied().collect();
                let fr: Vec<&ast::Item> = c.false_items.iter().rev().copied().collect();
                add_rules(cx, t, &tr);
                add_rules(cx, f, &fr);
            }
        }
    }
    let drops = early_return_drops(cx, syms, &uncond_items);
    let uncond = unconditional(cx, syms, &uncond_items, &drops);
    // Type rules may not be both conditional and unconditional, and a conditional type
    // rule's key may only be repeated in the same node (libsepol's expansion refuses the
    // rest, even with the same new type).
    let mut cond_keys: Vec<(AvtabKey, usize, u32)> = nodes
        .iter()
        .enumerate()
        .flat_map(|(n, (_, t, f))| [(n, t), (n, f)])
        .flat_map(|(n, b)| b.entries.iter().zip(&b.rules).map(move |(e, &r)| (n, e, r)))
        .filter(|(_, e, _)| e.key.specified & avkind::TYPE_RULES != 0)
        .map(|(n, e, r)| {
            let mut k = e.key;
            k.specified &= !avkind::ENABLED;
            (k, n, r)
        })
        .collect();
    cond_keys.sort_unstable();
    for pair in cond_keys.windows(2) {
        if pair[0].0 == pair[1].0 && pair[0].1 != pair[1].1 {
            cx.push(
                Diagnostic::error(
                    "conflicting-type-rule",
                    "a type rule for the same types and class in two different conditionals",
                )
                .primary(cx.file, rule_spans[pair[1].2 as usize], "this rule")
                .secondary(cx.file, rule_spans[pair[0].2 as usize], "repeats this one")
                .note("a conditional type rule may only be repeated in the other branch of the same `if`"),
            );
        }
    }
    let mut cond_types: Vec<AvtabKey> = cond_keys.into_iter().map(|(k, _, _)| k).collect();
    cond_types.dedup();
    let mut conflict = |cx: &mut Cx, key: AvtabKey| report_conflict(cx, syms, blocks, key);
    let (avtab, xperms) = finish_unconditional(cx, uncond, &mut conflict, &cond_types);
    db.avtab = avtab;
    db.xperms = xperms;
    db.cond_list = nodes
        .into_iter()
        .rev()
        .map(|(expr, t, f)| {
            let cur = eval(&expr, syms);
            CondNode {
                cur_state: cur,
                true_list: branch_list(t, cur),
                false_list: branch_list(f, !cur),
                expr,
            }
        })
        .collect();
}

/// The order of entries inside one bucket: source, target, class (§5.3), packed so that
/// one integer comparison decides.
fn triple_key(e: &AvtabEntry) -> u64 {
    (u64::from(e.key.source) << 32) | (u64::from(e.key.target) << 16) | u64::from(e.key.class)
}

/// Regions of up to this many entries are ordered by one stable sort on a computed key;
/// larger ones by a counting sort on the bucket first, whose fixed cost (a pass over the
/// region's 1024 buckets) only pays for itself there. Small policies have every region
/// small (the Xen tree's few thousand entries), large ones (millions) every region large.
const SMALL_REGION: usize = 256;

/// Buffers reused from region to region by [`order_region`].
#[derive(Default)]
struct RegionBuffers {
    keyed: Vec<(u64, AvtabEntry)>,
    by_bucket: Vec<AvtabEntry>,
    lows: Vec<u16>,
    starts: Vec<usize>,
    order: Vec<u64>,
    /// The region's entries in order, what [`order_region`] gives.
    sorted: Vec<AvtabEntry>,
}

/// Puts `region`'s entries into `buf.sorted`, ordered stably by (bucket, source, target,
/// class): generation order is kept among entries of one key, so the merge sees
/// contributions in creation order.
fn order_region(region: &[AvtabEntry], buf: &mut RegionBuffers) {
    // Every entry of a region shares the high bits of its bucket: the low 10 order it.
    let low_bucket = |e: &AvtabEntry| (avtab_bucket(&e.key) & 1023) as usize;
    buf.sorted.clear();
    if region.len() <= SMALL_REGION {
        buf.keyed.clear();
        let keyed = region
            .iter()
            .map(|e| (((low_bucket(e) as u64) << 48) | triple_key(e), *e));
        buf.keyed.extend(keyed);
        buf.keyed.sort_by_key(|&(k, _)| k);
        buf.sorted.extend(buf.keyed.iter().map(|&(_, e)| e));
        return;
    }
    // A stable counting sort by bucket (each entry's bucket computed once), then each
    // bucket's few entries by key.
    buf.lows.clear();
    buf.lows.extend(region.iter().map(|e| low_bucket(e) as u16));
    let starts = &mut buf.starts;
    starts.clear();
    starts.resize(1025, 0);
    for &b in &buf.lows {
        starts[usize::from(b) + 1] += 1;
    }
    for i in 0..1024 {
        starts[i + 1] += starts[i];
    }
    buf.by_bucket.clear();
    buf.by_bucket
        .resize(region.len(), *region.first().expect("a large region"));
    for (e, &b) in region.iter().zip(&buf.lows) {
        let at = &mut starts[usize::from(b)];
        buf.by_bucket[*at] = *e;
        *at += 1;
    }
    // Each bucket's start moved to its end, which is the next bucket's start.
    let mut begin = 0;
    for &end in &starts[..1024] {
        sort_bucket(&buf.by_bucket[begin..end], &mut buf.order, &mut buf.sorted);
        begin = end;
    }
}

/// Appends one bucket's entries to `out` ordered by key, stably. Buckets hold a few dozen
/// entries at most in practice: their keys, each with its place in the bucket (which
/// keeps the sort stable), are sorted as integers, without moving entries about.
fn sort_bucket(run: &[AvtabEntry], order: &mut Vec<u64>, out: &mut Vec<AvtabEntry>) {
    if run.len() < 2 || run.len() > 1 << 16 {
        let from = out.len();
        out.extend_from_slice(run);
        out[from..].sort_by_key(triple_key);
        return;
    }
    order.clear();
    let keys = run.iter().enumerate();
    order.extend(keys.map(|(i, e)| (triple_key(e) << 16) | i as u64));
    order.sort_unstable();
    out.extend(order.iter().map(|&k| run[(k & 0xffff) as usize]));
}

/// Merges the unconditional contributions per key and kind, and orders the entries as
/// checkpolicy writes them: by avtab bucket, source, target, class, then creation (§5.3).
///
/// Each region is ordered stably by (bucket, source, target, class), which keeps generation
/// order among the contributions of one key ([`order_region`]); the contributions of one
/// key and kind are then merged into the first one.
///
/// Without extended permissions, the two halves of the regions are merged on two threads
/// (each compacts its entries to its front; the second's are then moved down), and the
/// conflicts each finds are reported afterwards in region order.
fn finish_unconditional(
    cx: &mut Cx,
    u: Unconditional,
    conflict: &mut dyn FnMut(&mut Cx, AvtabKey),
    cond_types: &[AvtabKey],
) -> (Vec<AvtabEntry>, Vec<Xperms>) {
    let Unconditional {
        mut entries,
        starts,
        mut xperms,
    } = u;
    let mut conflicts = Vec::new();
    let len = if xperms.is_empty() {
        let worth_a_thread = entries.len() >= TWO_THREADS_FROM;
        let mid = starts[REGIONS / 2];
        let (head, tail) = entries.split_at_mut(mid);
        let ((head_len, head_conflicts), (tail_len, tail_conflicts)) = parallel::join(
            worth_a_thread,
            || merge_regions(head, &starts[..=REGIONS / 2], &mut [], cond_types),
            || merge_regions(tail, &starts[REGIONS / 2..], &mut [], cond_types),
        );
        // Where nothing merged (every key once, as with generated guests) the tail is
        // already in place: no copy of half the table onto itself.
        if head_len < mid {
            entries.copy_within(mid..mid + tail_len, head_len);
        }
        conflicts.extend(head_conflicts);
        conflicts.extend(tail_conflicts);
        head_len + tail_len
    } else {
        let (len, found) = merge_regions(&mut entries, &starts, &mut xperms, cond_types);
        conflicts = found;
        len
    };
    for key in conflicts {
        conflict(cx, key);
    }
    entries.truncate(len);
    let mut sorted = entries;
    sorted.shrink_to_fit();
    // Extended permissions: merged per slot, renumbered in written order (a pass over
    // the whole table, which only policies with any pay for).
    let mut ordered_x = Vec::new();
    if xperms.is_empty() {
        return (sorted, ordered_x);
    }
    for e in sorted
        .iter_mut()
        .filter(|e| e.key.specified & avkind::XPERMS != 0)
    {
        ordered_x.push(xperms[e.data as usize]);
        e.data = ordered_x.len() as u32 - 1;
    }
    (sorted, ordered_x)
}

/// Merges and orders the regions of `entries` that `starts` bounds (offsets into the whole
/// table, the first at the start of `entries`), compacting them to the front: the length
/// they take then, and the keys of type rules that conflict, in order.
fn merge_regions(
    entries: &mut [AvtabEntry],
    starts: &[usize],
    xperms: &mut [Xperms],
    cond_types: &[AvtabKey],
) -> (usize, Vec<AvtabKey>) {
    let base = starts[0];
    let mut conflicts = Vec::new();
    let same_xperm_slot = |xperms: &[Xperms], a: &AvtabEntry, b: &AvtabEntry| {
        let (x, y) = (&xperms[a.data as usize], &xperms[b.data as usize]);
        x.specified == y.specified && x.driver == y.driver
    };
    // The entry a key's first contribution of a kind makes.
    let first_of = |e: AvtabEntry, conflicts: &mut Vec<AvtabKey>| {
        let kind = e.key.specified;
        let mut first = e;
        if kind & avkind::XPERMS == 0 {
            first.data = initial_data(kind);
            let _ = merge(kind, &mut first.data, e.data, true);
        }
        if kind & avkind::TYPE_RULES != 0 && cond_types.binary_search(&e.key).is_ok() {
            conflicts.push(e.key);
        }
        first
    };
    let mut buf = RegionBuffers::default();
    let mut group: Vec<AvtabEntry> = Vec::new();
    // Merged entries are written back from the front: each region is ordered into buffers
    // before its output (never longer than it) is written, so nothing unread is overwritten.
    let mut w = 0;
    for r in 0..starts.len() - 1 {
        let (lo, hi) = (starts[r] - base, starts[r + 1] - base);
        if lo == hi {
            continue;
        }
        order_region(&entries[lo..hi], &mut buf);
        // Entries of one key are now adjacent (a key has one bucket).
        let sorted = &buf.sorted;
        let mut i = 0;
        while i < sorted.len() {
            let t = triple_key(&sorted[i]);
            let alone = sorted.get(i + 1).is_none_or(|n| triple_key(n) != t);
            if alone && sorted[i].key.specified & avkind::XPERMS == 0 {
                // The common case: a key with one contribution.
                entries[w] = first_of(sorted[i], &mut conflicts);
                w += 1;
                i += 1;
                continue;
            }
            group.clear();
            while i < sorted.len() && triple_key(&sorted[i]) == t {
                let e = sorted[i];
                i += 1;
                let kind = e.key.specified;
                let is_x = kind & avkind::XPERMS != 0;
                match group
                    .iter_mut()
                    .find(|g| g.key.specified == kind && (!is_x || same_xperm_slot(xperms, g, &e)))
                {
                    Some(g) if is_x => {
                        let add = xperms[e.data as usize].perms;
                        for (a, b) in xperms[g.data as usize].perms.iter_mut().zip(add) {
                            *a |= b;
                        }
                    }
                    Some(g) => {
                        if merge(kind, &mut g.data, e.data, false).is_err() {
                            conflicts.push(e.key);
                        }
                    }
                    None => {
                        let first = first_of(e, &mut conflicts);
                        // libsepol puts a new driver slot of a key in front of the key's
                        // first entry of that kind: slots come out newest first.
                        let at = match is_x {
                            true => group.iter().position(|g| g.key.specified == kind),
                            false => None,
                        };
                        group.insert(at.unwrap_or(group.len()), first);
                    }
                }
            }
            for g in &group {
                entries[w] = *g;
                w += 1;
            }
        }
    }
    (w, conflicts)
}

/// A branch's entries as libsepol lists them: type entries in creation order, then access
/// entries in reverse creation order; ENABLED set when the branch is active.
fn branch_list(t: Branch, active: bool) -> Vec<AvtabEntry> {
    let is_type = |e: &AvtabEntry| e.key.specified & avkind::TYPE_RULES != 0;
    let types = t.entries.iter().filter(|e| is_type(e));
    let avs = t.entries.iter().rev().filter(|e| !is_type(e));
    types
        .chain(avs)
        .map(|e| {
            let mut e = *e;
            if active {
                e.key.specified |= avkind::ENABLED;
            }
            e
        })
        .collect()
}

/// Reports two type rules that give one key different new types. The unconditional table
/// keeps no rule of origin per entry (it may hold tens of millions), so the rules are found
/// again here, which only errors pay for.
fn report_conflict(cx: &mut Cx, syms: &Syms, blocks: &[&Block<'_>], key: AvtabKey) {
    const MAX_REPORTS: usize = 10;
    if cx
        .diags
        .iter()
        .filter(|d| d.code == "conflicting-type-rule")
        .count()
        >= MAX_REPORTS
    {
        return;
    }
    let mut spans = Vec::new();
    let mut quiet = cx.quiet();
    for item in super::declare::statements(blocks) {
        let Some(Rule::Type {
            kind,
            source,
            target,
            classes,
            ..
        }) = as_rule(item)
        else {
            continue;
        };
        if type_kind(kind) != key.specified & !avkind::ENABLED {
            continue;
        }
        let Some((s, t, _)) = rule_types(&mut quiet, syms, source, target, true, false) else {
            continue;
        };
        let hit = s.get(key.source as u32 - 1)
            && t.get(key.target as u32 - 1)
            && resolve::class_set(&mut quiet, syms, classes)
                .is_some_and(|c| c.contains(&(key.class as u32)));
        if hit {
            spans.push(item.span);
        }
    }
    match spans.as_slice() {
        [first, .., last] => conflicting_type_rule(cx, *last, *first),
        _ => cx.push(Diagnostic::error(
            "conflicting-type-rule",
            format!(
                "conflicting type rules for `{}` `{}` : `{}`",
                syms.type_names[key.source as usize - 1],
                syms.type_names[key.target as usize - 1],
                syms.classes[key.class as usize - 1].name
            ),
        )),
    }
}

fn conflicting_type_rule(cx: &mut Cx, span: Span, prev: Span) {
    cx.push(
        Diagnostic::error("conflicting-type-rule", "conflicting type rules")
            .primary(cx.file, span, "this rule gives a different new type")
            .secondary(
                cx.file,
                prev,
                "than this earlier rule for the same types and class",
            ),
    );
}

/// Classifies and normalises an `if` (§6.1): postfix expression, tunable or boolean, a
/// trailing NOT dropped with the branches swapped.
fn cond_if<'a>(
    cx: &mut Cx,
    syms: &Syms,
    cond: &ast::CondExpr,
    then_items: &'a [Box<ast::Item>],
    else_items: Option<&'a [Box<ast::Item>]>,
) -> Option<CondIf<'a>> {
    let mut expr = Vec::new();
    let mut kinds = (false, false);
    let mut ok = true;
    postfix(cx, syms, cond, &mut expr, &mut kinds, &mut ok);
    // checkpolicy drops a condition without rules before it checks anything else of it.
    if !ok || (then_items.is_empty() && else_items.is_none_or(<[_]>::is_empty)) {
        return None;
    }
    if kinds.0 && kinds.1 {
        cx.error(
            "mixed-conditional",
            cond_span(cond),
            "a condition may not mix booleans and tunables".to_string(),
            "mixes booleans and tunables",
        );
        return None;
    }
    let mut t: Vec<&ast::Item> = then_items.iter().map(Box::as_ref).collect();
    let mut f: Vec<&ast::Item> = else_items
        .map(|e| e.iter().map(Box::as_ref).collect())
        .unwrap_or_default();
    if t.is_empty() && !f.is_empty() {
        expr.push(CondExprItem {
            kind: CondOp::Not,
            bool_value: 0,
        });
        std::mem::swap(&mut t, &mut f);
    }
    // checkpolicy keeps at most COND_EXPR_MAXDEPTH operands on its evaluation stack.
    let mut depth = 0usize;
    for item in &expr {
        match item.kind.arity() {
            0 => depth += 1,
            1 => {}
            _ => depth -= 1,
        }
        if depth > limits::MAX_COND_DEPTH {
            cx.error(
                "condition-too-deep",
                cond_span(cond),
                format!(
                    "conditional expression is too deep: more than {} operands pending",
                    limits::MAX_COND_DEPTH
                ),
                "this condition",
            );
            return None;
        }
    }
    // checkpolicy normalises a condition when it reads it: one trailing NOT dropped, the
    // branches swapped. It then merges it with an earlier `if` of the block whose
    // condition has the same truth table at that point.
    if expr.last().is_some_and(|i| i.kind == CondOp::Not) {
        expr.pop();
        std::mem::swap(&mut t, &mut f);
    }
    Some(CondIf {
        expr,
        span: cond_span(cond),
        tunable: kinds.1,
        true_items: t,
        false_items: f,
    })
}

/// The rest of libsepol's normalisation of a block's conditional node, after the one at
/// definition: linking and copying each drop one more trailing NOT and swap the branches
/// (`true` if they end up swapped); a fourth normalisation, of the copy with mapped
/// booleans, drops one more NOT but leaves the rules where they are, so checkpolicy 3.4
/// would put them under the opposite condition. Rather than copy that, or silently
/// differ, flaskc refuses such a condition (`None`).
fn settle(cx: &mut Cx, expr: &mut Vec<CondExprItem>, span: Span) -> Option<bool> {
    let mut swapped = false;
    for _ in 0..2 {
        if expr.last().is_some_and(|i| i.kind == CondOp::Not) {
            expr.pop();
            swapped = !swapped;
        }
    }
    if expr.last().is_some_and(|i| i.kind == CondOp::Not) {
        cx.push(
            Diagnostic::error(
                "negated-condition",
                "checkpolicy 3.4 would compile this condition with its branches swapped",
            )
            .primary(
                cx.file,
                span,
                "four or more `!` apply to the whole condition",
            )
            .note("write the condition with fewer negations (two `!` cancel out)"),
        );
        return None;
    }
    Some(swapped)
}

fn cond_span(c: &ast::CondExpr) -> Span {
    use ast::CondExpr as E;
    match c {
        E::Bool(i) => i.span,
        E::Not(a) => cond_span(a),
        E::And(a, b) | E::Or(a, b) | E::Xor(a, b) | E::Eq(a, b) | E::Neq(a, b) => {
            cond_span(a).to(cond_span(b))
        }
    }
}

/// Writes a condition in postfix; boolean items carry kernel values, tunables their state.
fn postfix(
    cx: &mut Cx,
    syms: &Syms,
    c: &ast::CondExpr,
    out: &mut Vec<CondExprItem>,
    kinds: &mut (bool, bool),
    ok: &mut bool,
) {
    use ast::CondExpr as E;
    let op = |kind| CondExprItem {
        kind,
        bool_value: 0,
    };
    match c {
        E::Bool(name) => match syms.bools.get(name.name.as_str()) {
            Some(b) => {
                if b.tunable {
                    kinds.1 = true;
                    out.push(CondExprItem {
                        kind: CondOp::Bool,
                        bool_value: TUNABLE_MARK | b.id << 1 | b.state as u32,
                    });
                } else {
                    kinds.0 = true;
                    out.push(CondExprItem {
                        kind: CondOp::Bool,
                        bool_value: b.value,
                    });
                }
            }
            None => {
                unknown_boolean(cx, name);
                *ok = false;
            }
        },
        E::Not(a) => {
            postfix(cx, syms, a, out, kinds, ok);
            out.push(op(CondOp::Not));
        }
        E::Or(a, b) | E::And(a, b) | E::Xor(a, b) | E::Eq(a, b) | E::Neq(a, b) => {
            postfix(cx, syms, a, out, kinds, ok);
            postfix(cx, syms, b, out, kinds, ok);
            out.push(op(match c {
                E::Or(..) => CondOp::Or,
                E::And(..) => CondOp::And,
                E::Xor(..) => CondOp::Xor,
                E::Eq(..) => CondOp::Eq,
                _ => CondOp::Neq,
            }));
        }
    }
}

/// A condition's boolean that is declared nowhere.
fn unknown_boolean(cx: &mut Cx, name: &ast::Ident) {
    cx.error(
        "undefined-boolean",
        name.span,
        format!("unknown boolean `{}`", name.name),
        "not declared",
    );
}

/// Tunables never reach the kernel policy; their postfix item carries the top bit, the
/// tunable's id (bits 1–30) and its default state (bit 0), so that [`eval`] needs no
/// table and tunables stay apart when conditions are compared.
const TUNABLE_MARK: u32 = 0x8000_0000;

/// Evaluates a postfix condition with the default states.
fn eval(expr: &[CondExprItem], syms: &Syms) -> bool {
    let state = |v: u32| -> bool {
        if v & TUNABLE_MARK != 0 {
            v & 1 != 0
        } else {
            syms.kernel_bools[v as usize - 1].1
        }
    };
    eval_with(expr, &state)
}

fn eval_with(expr: &[CondExprItem], state: &dyn Fn(u32) -> bool) -> bool {
    let mut stack: Vec<bool> = Vec::new();
    for item in expr {
        if item.kind == CondOp::Bool {
            stack.push(state(item.bool_value));
            continue;
        }
        if item.kind == CondOp::Not {
            let a = stack.pop().unwrap_or(false);
            stack.push(!a);
            continue;
        }
        let b = stack.pop().unwrap_or(false);
        let a = stack.pop().unwrap_or(false);
        stack.push(item.kind.apply(a, b).unwrap_or(false));
    }
    stack.pop().unwrap_or(false)
}

/// libsepol's expression equivalence (`cond_expr_equal`): the same distinct booleans and,
/// when there are at most five, the same truth table, each table indexed by its own
/// expression's booleans in order of first appearance (so `a && b` equals `b && a`, while
/// `a && !b` and `!b && a` differ); identical postfix otherwise.
fn cond_equal(a: &[CondExprItem], b: &[CondExprItem]) -> bool {
    let vars = |e: &[CondExprItem]| {
        let mut v: Vec<u32> = Vec::new();
        for i in e.iter().filter(|i| i.kind == CondOp::Bool) {
            if !v.contains(&i.bool_value) {
                v.push(i.bool_value);
            }
        }
        v
    };
    let (va, vb) = (vars(a), vars(b));
    if va.len() != vb.len() {
        return false;
    }
    if va.len() > 5 {
        return a == b;
    }
    if !va.iter().all(|v| vb.contains(v)) {
        return false;
    }
    let table = |e: &[CondExprItem], vars: &[u32]| -> u32 {
        (0..1u32 << vars.len())
            .filter(|&bits| {
                let state = |v: u32| {
                    vars.iter()
                        .position(|&x| x == v)
                        .is_some_and(|i| bits & (1 << i) != 0)
                };
                eval_with(e, &state)
            })
            .fold(0, |acc, bits| acc | 1 << bits)
    };
    table(a, &va) == table(b, &vb)
}

/// Role transitions, role allows (§7.1, §7.2) and named type transitions (§7.3): per
/// block in reverse source order, expanded and de-duplicated.
fn role_rules(cx: &mut Cx, syms: &Syms, blocks: &[&Block<'_>], db: &mut PolicyDb) {
    let mut trans: Vec<RoleTrans> = Vec::new();
    let mut trans_idx: HashMap<(u32, u32, u32), (usize, Span)> = HashMap::new();
    let mut allows: Vec<RoleAllow> = Vec::new();
    let mut filename: HashMap<(u32, u32, String), Vec<(u32, Ebitmap)>> = HashMap::new();
    let mut filename_seen: HashMap<(u32, u32, u32, String), (u32, Span)> = HashMap::new();
    for b in blocks {
        for item in b.items.iter().rev() {
            match &item.kind {
                ItemKind::RoleTransition {
                    roles,
                    types,
                    classes,
                    new_role,
                } => {
                    let r = resolve::role_set(cx, syms, roles);
                    let t = resolve::type_set(cx, syms, types, Expand::Always, SetPlace::PLAIN);
                    let c = match classes {
                        Some(c) => resolve::class_set(cx, syms, c),
                        None => process_class(cx, syms, item.span),
                    };
                    let nr = match syms.roles.get(new_role.name.as_str()) {
                        Some(&v) if !syms.role_is_attr[v as usize - 1] => Some(v),
                        _ => {
                            cx.error(
                                "undefined-role",
                                new_role.span,
                                format!("unknown role `{}`", new_role.name),
                                "not declared",
                            );
                            None
                        }
                    };
                    let (Some(r), Some(t), Some(c), Some(nr)) = (r, t, c, nr) else {
                        continue;
                    };
                    for role in r.iter() {
                        for ty in t.types.iter() {
                            for &class in &c {
                                let key = (role + 1, ty + 1, class);
                                // checkpolicy refuses a repeated (role, type, class),
                                // whatever new role it names.
                                match trans_idx.get(&key) {
                                    Some(&(_, prev)) => {
                                        // Reported at the later one in the text, where
                                        // checkpolicy meets the repeat.
                                        let (now, first) = if prev.start > item.span.start {
                                            (prev, item.span)
                                        } else {
                                            (item.span, prev)
                                        };
                                        cx.push(
                                            Diagnostic::error(
                                                "conflicting-role-transition",
                                                "duplicate role transition",
                                            )
                                            .primary(cx.file, now, "this transition")
                                            .secondary(cx.file, first, "conflicts with this one"),
                                        );
                                    }
                                    None => {
                                        trans_idx.insert(key, (trans.len(), item.span));
                                        trans.push(RoleTrans {
                                            role: super::id(role + 1),
                                            ty: super::id(ty + 1),
                                            new_role: super::id(nr),
                                            class: Some(super::id(class)),
                                        });
                                    }
                                }
                            }
                        }
                    }
                }
                ItemKind::RoleAllow { from, to } => {
                    let (Some(f), Some(t)) = (
                        resolve::role_set(cx, syms, from),
                        resolve::role_set(cx, syms, to),
                    ) else {
                        continue;
                    };
                    for a in f.iter() {
                        for b in t.iter() {
                            let ra = RoleAllow {
                                role: super::id(a + 1),
                                new_role: super::id(b + 1),
                            };
                            if !allows.contains(&ra) {
                                allows.push(ra);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        // Named type transitions: checkpolicy prepends each to its block's list, and the
        // first new type met for a key is written first.
        for item in b.items.iter().rev() {
            let Some(rule) = NamedTransition::of(item) else {
                continue;
            };
            let name = rule.name;
            let Some((st, tt, cl, nt)) = rule.resolve(cx, syms, &syms.attr_members) else {
                continue;
            };
            for s in st.types.iter() {
                let targets = tt.types.iter().chain(tt.has_self.then_some(s));
                for t in targets {
                    for &c in &cl {
                        let seen_key = (s + 1, t + 1, c, name.name.to_string());
                        match filename_seen.get(&seen_key) {
                            Some(&(o, _)) if o == nt => continue,
                            Some(&(_, prev)) => {
                                let (a, b) = if prev.start < item.span.start {
                                    (item.span, prev)
                                } else {
                                    (prev, item.span)
                                };
                                conflicting_type_rule(cx, a, b);
                                continue;
                            }
                            None => {
                                filename_seen.insert(seen_key, (nt, item.span));
                            }
                        }
                        let datums = filename
                            .entry((t + 1, c, name.name.to_string()))
                            .or_default();
                        match datums.iter_mut().find(|(o, _)| *o == nt) {
                            Some((_, stypes)) => stypes.set(s),
                            None => datums.push((nt, [s].into_iter().collect())),
                        }
                    }
                }
            }
        }
    }
    db.role_trans = trans;
    db.role_allow = allows;
    db.filename_trans = filename_order(filename);
}

/// A `type_transition` statement with a file name.
struct NamedTransition<'a> {
    source: &'a ast::Set,
    target: &'a ast::Set,
    classes: &'a ast::Set,
    new_type: &'a ast::Ident,
    name: &'a ast::Ident,
}

impl<'a> NamedTransition<'a> {
    fn of(item: &'a ast::Item) -> Option<NamedTransition<'a>> {
        match &item.kind {
            ItemKind::TypeRule {
                kind: TypeRuleKind::Transition,
                source,
                target,
                classes,
                new_type,
                object_name: Some(name),
            } => Some(NamedTransition {
                source,
                target,
                classes,
                new_type,
                name,
            }),
            _ => None,
        }
    }

    /// Source and target types (`self` allowed among the targets), attributes expanded
    /// with the memberships `members`, classes and new type; `None` when any is wrong
    /// (reported).
    fn resolve(
        &self,
        cx: &mut Cx,
        syms: &Syms,
        members: &[Ebitmap],
    ) -> Option<(TypeSet, TypeSet, Vec<u32>, u32)> {
        let targets = SetPlace {
            self_ok: true,
            star_ok: false,
        };
        let expand = |raw: resolve::RawTypeSet| raw.expand_with(syms, members, Expand::Always);
        let st = resolve::raw_type_set(cx, syms, self.source, SetPlace::PLAIN).map(expand);
        let tt = resolve::raw_type_set(cx, syms, self.target, targets).map(expand);
        let cl = resolve::class_set(cx, syms, self.classes);
        let nt = super::declare::real_type(cx, syms, self.new_type);
        Some((st?, tt?, cl?, nt?))
    }
}

/// checkpolicy records each named type transition as it reads it (in every block, kept by
/// the linker or not, in text order) and refuses one whose source, target, class and name a rule before it gave,
/// unless the walk over that key's new types stops first at the same new type. It expands
/// attributes then with the global block's memberships only: those an optional block
/// makes are its own until the linker joins the blocks (where a repeat with the same new
/// type is no error).
pub(super) fn named_transition_duplicates(cx: &mut Cx, syms: &Syms, blocks: &[&Block<'_>]) {
    let mut items: Vec<&ast::Item> = blocks
        .iter()
        .flat_map(|b| b.items.iter().copied())
        .filter(|&i| NamedTransition::of(i).is_some())
        .collect();
    if items.is_empty() {
        return;
    }
    items.sort_by_key(|i| i.span.start);
    let mut members = vec![Ebitmap::new(); syms.attr_members.len()];
    if let Some(global) = blocks.first() {
        for (a, t) in super::declare::block_memberships(syms, global) {
            members[a as usize].set(t);
        }
    }
    // Types only left-out blocks declare are known to checkpolicy here but not to the
    // tables: each gets a value past the real ones (an attribute of such a block is left
    // out of the sets, which keeps the other types' repeats).
    let mut left_out: HashMap<Name, u32> = HashMap::new();
    let mut left_out_names: Vec<Name> = Vec::new();
    for (b, _) in blocks.iter().zip(&syms.enabled).filter(|(_, &on)| !on) {
        for item in &b.items {
            if let ItemKind::Type { name, aliases, .. } = &item.kind {
                if syms.ty(&name.name).is_some() || left_out.contains_key(&name.name) {
                    continue;
                }
                let v = (syms.type_names.len() + left_out_names.len()) as u32;
                left_out_names.push(name.name);
                for n in std::iter::once(name).chain(aliases) {
                    left_out.entry(n.name).or_insert(v);
                }
            }
        }
    }
    let add_left_out = |set: &ast::Set, types: &mut Ebitmap| {
        for i in set.items.iter().filter(|i| !i.negated()) {
            if let Some(&v) = left_out.get(&i.name().name) {
                types.set(v);
            }
        }
        for i in set.items.iter().filter(|i| i.negated()) {
            if let Some(&v) = left_out.get(&i.name().name) {
                types.clear(v);
            }
        }
    };
    let ty = |v: u32| match syms.type_names.get(v as usize) {
        Some(n) => n.as_str(),
        None => left_out_names[v as usize - syms.type_names.len()].as_str(),
    };
    let mut quiet = cx.quiet();
    let mut table: HashMap<(u32, u32, &str), NewTypes> = HashMap::new();
    for item in items {
        let Some(rule) = NamedTransition::of(item) else {
            continue;
        };
        let name = rule.name;
        let (written_source, written_target) = (rule.source, rule.target);
        let (source, target) = (
            known_types(syms, rule.source),
            known_types(syms, rule.target),
        );
        let rule = NamedTransition {
            source: &source,
            target: &target,
            ..rule
        };
        let Some((mut st, mut tt, cl, nt)) = rule.resolve(&mut quiet, syms, &members) else {
            continue;
        };
        add_left_out(written_source, &mut st.types);
        add_left_out(written_target, &mut tt.types);
        'rule: for &c in &cl {
            for s in st.types.iter() {
                for t in tt.types.iter().chain(tt.has_self.then_some(s)) {
                    let datums = table.entry((t, c, name.name.as_str())).or_default();
                    let mut slot = None;
                    for (i, (o, stypes)) in datums.iter().enumerate() {
                        if stypes.get(s) {
                            let class = &syms.classes[c as usize - 1].name;
                            cx.error(
                                "duplicate-named-transition",
                                item.span,
                                format!(
                                    "duplicate named type transition for `{} {} : {class}` \"{}\"",
                                    ty(s),
                                    ty(t),
                                    name.name
                                ),
                                "repeats an earlier rule",
                            );
                            break 'rule;
                        }
                        if *o == nt {
                            slot = Some(i);
                            break;
                        }
                    }
                    match slot {
                        Some(i) => datums[i].1.set(s),
                        None => datums.push((nt, [s].into_iter().collect())),
                    }
                }
            }
        }
    }
}

/// `set` without the names of types that only left-out blocks declare.
fn known_types(syms: &Syms, set: &ast::Set) -> ast::Set {
    let items: Vec<ast::SetItem> = set
        .items
        .iter()
        .filter(|i| {
            syms.ty(&i.name().name).is_some()
                || !syms.type_names_anywhere.contains(i.name().name.as_str())
        })
        .cloned()
        .collect();
    ast::Set::of(items, set.span.start as usize, set.span.end as usize).with_flags(set.flags())
}

/// The new types of one (target, class, name), each with its source types, in the order
/// libsepol's list holds them.
type NewTypes = Vec<(u32, Ebitmap)>;

/// Named transitions in the order of libsepol's filename-transition hash table (§7.3).
fn filename_order(map: HashMap<(u32, u32, String), Vec<(u32, Ebitmap)>>) -> Vec<FilenameTrans> {
    let size = crate::policydb::hashtab::table_size(1024, map.len()) as u64;
    let bucket = |k: &(u32, u32, String)| {
        let mut h: u64 = (k.0 ^ k.1) as u64;
        for &c in k.2.as_bytes() {
            h = h
                .wrapping_add(((c as u64) << 4).wrapping_add((c >> 4) as u64))
                .wrapping_mul(11);
        }
        h & (size - 1)
    };
    let mut keys: Vec<_> = map.into_iter().collect();
    keys.sort_by(|(a, _), (b, _)| {
        (bucket(a), a.0, a.1, a.2.as_bytes()).cmp(&(bucket(b), b.0, b.1, b.2.as_bytes()))
    });
    let mut out = Vec::new();
    for ((ttype, tclass, name), datums) in keys {
        for (otype, stypes) in datums {
            for s in stypes.iter() {
                out.push(FilenameTrans {
                    stype: super::id(s + 1),
                    ttype: super::id(ttype),
                    tclass: super::id(tclass),
                    name: name.clone(),
                    otype: super::id(otype),
                });
            }
        }
    }
    out
}

/// The `process` class that role and range transitions without a class stand for.
fn process_class(cx: &mut Cx, syms: &Syms, span: Span) -> Option<Vec<u32>> {
    match syms.class_idx.get("process") {
        Some(&i) => Some(vec![i as u32 + 1]),
        None => {
            cx.push(
                Diagnostic::error(
                    "missing-process-class",
                    "no `process` class for a transition without a class",
                )
                .primary(cx.file, span, "give the class explicitly")
                .note("Xen policies have no `process` class: write `: CLASS` in the rule"),
            );
            None
        }
    }
}

/// Range transitions (§9): expanded, de-duplicated, in range-transition hash order.
fn range_transitions(cx: &mut Cx, syms: &Syms, blocks: &[&Block<'_>], db: &mut PolicyDb) {
    let mut map: HashMap<(u32, u32, u32), (crate::policydb::Range, Span)> = HashMap::new();
    for b in blocks {
        for item in &b.items {
            let ItemKind::RangeTransition {
                source,
                target,
                classes,
                range,
            } = &item.kind
            else {
                continue;
            };
            if !cx.opts.mls {
                cx.error(
                    "mls-not-enabled",
                    item.span,
                    "`range_transition` in a policy compiled without MLS".to_string(),
                    "needs MLS",
                );
                continue;
            }
            let s = resolve::type_set(cx, syms, source, Expand::Always, SetPlace::PLAIN);
            let t = resolve::type_set(cx, syms, target, Expand::Always, SetPlace::PLAIN);
            let c = match classes {
                Some(c) => resolve::class_set(cx, syms, c),
                None => process_class(cx, syms, item.span),
            };
            let r = resolve::range(cx, syms, range);
            let (Some(s), Some(t), Some(c), Some(r)) = (s, t, c, r) else {
                continue;
            };
            for sv in s.types.iter() {
                for tv in t.types.iter() {
                    for &cv in &c {
                        let key = (sv + 1, tv + 1, cv);
                        match map.get(&key) {
                            Some((old, _)) if *old == r => {}
                            Some((_, prev)) => {
                                let prev = *prev;
                                cx.push(
                                    Diagnostic::error(
                                        "conflicting-range-transition",
                                        "conflicting range transitions",
                                    )
                                    .primary(cx.file, item.span, "this transition")
                                    .secondary(
                                        cx.file,
                                        prev,
                                        "conflicts with this one",
                                    ),
                                );
                            }
                            None => {
                                map.insert(key, (r.clone(), item.span));
                            }
                        }
                    }
                }
            }
        }
    }
    let size = crate::policydb::hashtab::table_size(256, map.len()) as u32;
    let bucket =
        |k: &(u32, u32, u32)| k.0.wrapping_add(k.1 << 3).wrapping_add(k.2 << 5) & (size - 1);
    let mut entries: Vec<_> = map.into_iter().collect();
    entries.sort_by_key(|(k, _)| (bucket(k), *k));
    db.range_trans = entries
        .into_iter()
        .map(|((source, target, class), (range, _))| RangeTrans {
            source: super::id(source),
            target: super::id(target),
            class: Some(super::id(class)),
            range,
        })
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both ways of ordering a region (one sort when small, counting by bucket when large)
    /// give the stable order by (bucket, source, target, class), repeated keys kept in
    /// generation order (told apart here by their data).
    #[test]
    fn regions_are_ordered_stably_whatever_their_size() {
        let mut seed = 7u32;
        let mut next = move |n: u32| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (seed >> 8) % n
        };
        for len in [0, 1, 5, SMALL_REGION, SMALL_REGION + 1, 5000] {
            let region: Vec<AvtabEntry> = (0..len as u32)
                .map(|data| AvtabEntry {
                    key: AvtabKey {
                        source: 1 + next(40) as u16,
                        target: 1 + next(40) as u16,
                        class: 1 + next(3) as u16,
                        specified: avkind::ALLOWED,
                    },
                    data,
                })
                .collect();
            let mut expected = region.clone();
            expected.sort_by_key(|e| (avtab_bucket(&e.key) & 1023, triple_key(e)));
            let mut buf = RegionBuffers::default();
            order_region(&region, &mut buf);
            assert_eq!(buf.sorted, expected, "a region of {len}");
        }
    }

    #[test]
    fn equivalent_conditions_compare_equal() {
        let b = |v| CondExprItem {
            kind: CondOp::Bool,
            bool_value: v,
        };
        let op = |k| CondExprItem {
            kind: k,
            bool_value: 0,
        };
        // a && b  ==  !(!a || !b)  ==  b && a.
        let (not, or, and) = (op(CondOp::Not), op(CondOp::Or), op(CondOp::And));
        assert!(cond_equal(
            &[b(1), b(2), and],
            &[b(1), not, b(2), not, or, not]
        ));
        assert!(cond_equal(&[b(1), b(2), and], &[b(2), b(1), and]));
        assert!(!cond_equal(&[b(1), b(2), and], &[b(1), b(2), or]));
        // a && !b differs from !b && a: each truth table is indexed by its own
        // expression's booleans in order of first appearance.
        assert!(!cond_equal(
            &[b(1), b(2), not, and],
            &[b(2), not, b(1), and]
        ));
    }
}
