//! Names to values: type, role and class sets, permission sets, MLS levels and ranges,
//! security contexts.

use super::declare::{Syms, TypeSym};
use super::Cx;
use crate::diag::Diagnostic;
use crate::name::Name;
use crate::policydb::{Context, Ebitmap, Level, Range};
use crate::syntax::ast;

/// How a type set in a rule becomes a bitmap (binary-format.md §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expand {
    /// Keep attributes as themselves where libsepol keeps them.
    KeepAttributes,
    /// Replace every attribute by its member types.
    Always,
}

/// A resolved type set: the values, and whether `self` was named.
#[derive(Debug, Clone, Default)]
pub(super) struct TypeSet {
    pub types: Ebitmap,
    pub has_self: bool,
}

/// A type set as libsepol's `type_set_t` holds it before expansion: the named and the
/// negated members (attributes not yet expanded) and the last `*` or `~` flag. The
/// statements `role R types ...` of one block merge into one such set before it is
/// expanded, so a type negated in one statement stays out whatever another names.
#[derive(Debug, Clone, Default)]
pub(super) struct RawTypeSet {
    pos: Ebitmap,
    neg: Ebitmap,
    flag: Option<SetFlag>,
    has_self: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetFlag {
    Star,
    Complement,
}

impl RawTypeSet {
    /// Adds types as included ones (a dominated role's types, copied by value).
    pub(super) fn include(&mut self, types: &Ebitmap) {
        self.pos.union_with(types);
    }

    /// Adds another statement's set, as `set_types` does into the same `type_set_t`.
    pub(super) fn merge(&mut self, other: &RawTypeSet) {
        self.pos.union_with(&other.pos);
        self.neg.union_with(&other.neg);
        self.flag = other.flag.or(self.flag);
        self.has_self |= other.has_self;
    }

    /// The set's types as libsepol's `type_set_expand` computes them: attributes are
    /// expanded when asked, when the set is complex, or when flagged `expandattribute`;
    /// `*` is every type but the negated ones; otherwise the negated ones are removed and
    /// `~` then complements what is left.
    pub(super) fn expand(&self, syms: &Syms, mode: Expand) -> TypeSet {
        self.expand_with(syms, &syms.attr_members, mode)
    }

    /// [`RawTypeSet::expand`] with attribute memberships as they stand at one point of
    /// libsepol's expansion (role types are expanded block by block, each seeing only the
    /// memberships of the blocks before it).
    pub(super) fn expand_with(&self, syms: &Syms, members: &[Ebitmap], mode: Expand) -> TypeSet {
        let expand_all = mode == Expand::Always || !self.neg.is_empty() || self.flag.is_some();
        let mut pos = Ebitmap::new();
        for i in self.pos.iter() {
            if syms.type_is_attr[i as usize] && (expand_all || syms.expand_true.get(i)) {
                pos.union_with(&members[i as usize]);
            } else {
                pos.set(i);
            }
        }
        let mut neg = Ebitmap::new();
        for i in self.neg.iter() {
            if syms.type_is_attr[i as usize] {
                neg.union_with(&members[i as usize]);
            } else {
                neg.set(i);
            }
        }
        let types = match self.flag {
            Some(SetFlag::Star) => {
                let mut all = all_types(syms);
                all.subtract(&neg);
                all
            }
            flag => {
                pos.subtract(&neg);
                if flag == Some(SetFlag::Complement) {
                    let mut all = all_types(syms);
                    all.subtract(&pos);
                    pos = all;
                }
                pos
            }
        };
        TypeSet {
            types,
            has_self: self.has_self,
        }
    }
}

/// Where a type set is written, which decides what it may hold: `self` only as the target
/// of an access or extended-permission rule, `*` and `~` only in a neverallow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SetPlace {
    pub self_ok: bool,
    pub star_ok: bool,
}

impl SetPlace {
    /// Anywhere but a rule's target or a neverallow.
    pub const PLAIN: SetPlace = SetPlace {
        self_ok: false,
        star_ok: false,
    };
}

/// Resolves a type set.
pub(super) fn type_set(
    cx: &mut Cx,
    syms: &Syms,
    set: &ast::Set,
    mode: Expand,
    place: SetPlace,
) -> Option<TypeSet> {
    Some(raw_type_set(cx, syms, set, place)?.expand(syms, mode))
}

/// Whether a type set may use `*` or `~` where it is (reported if not).
pub(super) fn star_allowed(cx: &mut Cx, set: &ast::Set, place: SetPlace) -> bool {
    if (set.star() || set.complement()) && !place.star_ok {
        let what = if set.star() { "`*`" } else { "`~`" };
        cx.error(
            "star-not-allowed",
            set.span,
            format!("{what} is not allowed in this type of rule"),
            "only a neverallow may use `*` or `~` on types",
        );
        return false;
    }
    true
}

/// Resolves the names of a type set without expanding it.
pub(super) fn raw_type_set(
    cx: &mut Cx,
    syms: &Syms,
    set: &ast::Set,
    place: SetPlace,
) -> Option<RawTypeSet> {
    if !star_allowed(cx, set, place) {
        return None;
    }
    let mut raw = RawTypeSet {
        flag: if set.star() {
            Some(SetFlag::Star)
        } else if set.complement() {
            Some(SetFlag::Complement)
        } else {
            None
        },
        ..RawTypeSet::default()
    };
    let mut ok = true;
    for item in &set.items {
        if item.name().name == "self" {
            if !place.self_ok || item.negated() {
                cx.error(
                    "bad-self",
                    item.name().span,
                    "`self` is not allowed here".to_string(),
                    "only a positive target of an access rule may be `self`",
                );
                ok = false;
            }
            raw.has_self = true;
            continue;
        }
        let Some(sym) = syms.ty(&item.name().name) else {
            if syms.left_out_types.contains(item.name().name.as_str()) {
                continue;
            }
            cx.error(
                "undefined-type",
                item.name().span,
                format!("unknown type `{}`", item.name().name),
                "not declared",
            );
            ok = false;
            continue;
        };
        let (TypeSym::Type(v) | TypeSym::Alias(v) | TypeSym::Attribute(v)) = sym;
        if item.negated() {
            raw.neg.set(v - 1);
        } else {
            raw.pos.set(v - 1);
        }
    }
    ok.then_some(raw)
}

/// Every real type (not attributes).
fn all_types(syms: &Syms) -> Ebitmap {
    (0..syms.type_names.len() as u32)
        .filter(|&i| !syms.type_is_attr[i as usize])
        .collect()
}

/// Refuses `*`, `~` and `-name` in a set that takes only names (classes, roles, users):
/// checkpolicy reads those signs there as names of their own and finds no such symbol.
/// `what` names the kind of symbol, `code` is the kind's undefined-symbol code.
pub(super) fn names_only(cx: &mut Cx, set: &ast::Set, what: &str, code: &'static str) -> bool {
    let mut ok = true;
    if set.star() || set.complement() {
        let sign = if set.star() { "*" } else { "~" };
        cx.error(
            code,
            set.span,
            format!("unknown {what} `{sign}`: a {what} set takes only names"),
            "`*` and `~` are not allowed here",
        );
        ok = false;
    }
    for item in set.items.iter().filter(|i| i.negated()) {
        cx.error(
            code,
            item.name().span,
            format!("unknown {what} `-`: a {what} set takes only names"),
            "a name cannot be negated here",
        );
        ok = false;
    }
    ok
}

/// Resolves a class set to class values (1-based), ascending.
pub(super) fn class_set(cx: &mut Cx, syms: &Syms, set: &ast::Set) -> Option<Vec<u32>> {
    let mut classes = Ebitmap::new();
    let mut ok = names_only(cx, set, "class", "undefined-class");
    for item in set.items.iter().filter(|i| !i.negated()) {
        match syms.class_idx.get(item.name().name.as_str()) {
            Some(&i) => classes.set(i as u32),
            None => {
                cx.error(
                    "undefined-class",
                    item.name().span,
                    format!("unknown class `{}`", item.name().name),
                    "not declared",
                );
                ok = false;
            }
        }
    }
    ok.then(|| classes.iter().map(|b| b + 1).collect())
}

/// The permission bit of `name` in class `class` (1-based value), if defined. Names are
/// interned, so they are compared as handles, not as text.
pub(super) fn perm_bit(syms: &Syms, class: u32, name: Name) -> Option<u32> {
    let c = &syms.classes[class as usize - 1];
    let common: &[Name] = c.common.map(|i| &syms.commons[i].perms[..]).unwrap_or(&[]);
    if let Some(p) = common.iter().position(|&p| p == name) {
        return Some(1 << p);
    }
    c.perms
        .iter()
        .position(|&p| p == name)
        .map(|p| 1 << (p + common.len()))
}

/// The permission mask of a permission set for one class: `*` is every bit, `~` complements
/// within 32 bits (§5.1).
pub(super) fn perm_mask(cx: &mut Cx, syms: &Syms, class: u32, set: &ast::Set) -> Option<u32> {
    let mut mask = 0u32;
    let mut ok = true;
    for item in &set.items {
        if item.negated() {
            // checkpolicy reads the `-` as a permission name of its own.
            cx.error(
                "negated-permission",
                item.name().span,
                format!("a permission cannot be negated (`-{}`)", item.name().name),
                "write the set without it, or use `~{ ... }`",
            );
            ok = false;
            continue;
        }
        match perm_bit(syms, class, item.name().name) {
            Some(b) => mask |= b,
            None => {
                let class_name = &syms.classes[class as usize - 1].name;
                cx.error(
                    "undefined-permission",
                    item.name().span,
                    format!(
                        "permission `{}` is not defined for class `{class_name}`",
                        item.name().name
                    ),
                    "no such permission",
                );
                ok = false;
            }
        }
    }
    if set.star() {
        mask = u32::MAX;
    }
    if set.complement() {
        mask = !mask;
    }
    ok.then_some(mask)
}

/// Resolves a role set to role values' bits (role attributes expanded to member roles).
pub(super) fn role_set(cx: &mut Cx, syms: &Syms, set: &ast::Set) -> Option<Ebitmap> {
    let mut roles = Ebitmap::new();
    let mut ok = names_only(cx, set, "role", "undefined-role");
    for item in set.items.iter().filter(|i| !i.negated()) {
        let Some(&v) = syms.roles.get(item.name().name.as_str()) else {
            cx.error(
                "undefined-role",
                item.name().span,
                format!("unknown role `{}`", item.name().name),
                "not declared",
            );
            ok = false;
            continue;
        };
        if syms.role_is_attr[v as usize - 1] {
            roles.union_with(&syms.role_attr_members[v as usize - 1]);
        } else {
            roles.set(v - 1);
        }
    }
    ok.then_some(roles)
}

/// Resolves categories (`c0`, `c0.c5` ranges, aliases) to a bitmap (bit = value - 1).
pub(super) fn categories(cx: &mut Cx, syms: &Syms, cats: &[ast::Ident]) -> Option<Ebitmap> {
    let mut out = Ebitmap::new();
    let mut ok = true;
    for c in cats {
        let (lo, hi) = match c.name.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (c.name.as_str(), None),
        };
        let Some(&lv) = syms.cats.get(lo) else {
            undefined_category(cx, c, lo);
            ok = false;
            continue;
        };
        let hv = match hi {
            Some(h) => match syms.cats.get(h) {
                Some(&hv) => hv,
                None => {
                    undefined_category(cx, c, h);
                    ok = false;
                    continue;
                }
            },
            None => lv,
        };
        if hv < lv {
            cx.error(
                "bad-category-range",
                c.span,
                format!("category range `{}` is backwards", c.name),
                "the first category must come before the second",
            );
            ok = false;
            continue;
        }
        for v in lv..=hv {
            out.set(v - 1);
        }
    }
    ok.then_some(out)
}

fn undefined_category(cx: &mut Cx, at: &ast::Ident, name: &str) {
    cx.error(
        "undefined-category",
        at.span,
        format!("unknown category `{name}`"),
        "not declared",
    );
}

/// Resolves an MLS level and checks that its categories are allowed with its sensitivity.
pub(super) fn level(cx: &mut Cx, syms: &Syms, level: &ast::Level) -> Option<Level> {
    let Some(&sens) = syms.sens.get(level.sens.name.as_str()) else {
        cx.error(
            "undefined-sensitivity",
            level.sens.span,
            format!("unknown sensitivity `{}`", level.sens.name),
            "not declared",
        );
        return None;
    };
    let cats = categories(cx, syms, &level.cats)?;
    let allowed = syms.sens_cats.get(sens as usize - 1).cloned().flatten();
    if !allowed.is_some_and(|a| cats.is_subset(&a)) {
        cx.error(
            "invalid-level",
            level.span,
            format!(
                "level `{}` uses categories its sensitivity does not allow",
                level.sens.name
            ),
            "not a valid level",
        );
        return None;
    }
    Some(Level { sens, cats })
}

/// Whether `a` dominates `b`.
pub(super) fn dominates(a: &Level, b: &Level) -> bool {
    a.sens >= b.sens && b.cats.is_subset(&a.cats)
}

/// Resolves an MLS range; the high level must dominate the low one.
pub(super) fn range(cx: &mut Cx, syms: &Syms, range: &ast::MlsRange) -> Option<Range> {
    let low = level(cx, syms, &range.low)?;
    let high = match &range.high {
        Some(h) => level(cx, syms, h)?,
        None => low.clone(),
    };
    if !dominates(&high, &low) {
        cx.error(
            "invalid-range",
            range.span,
            "the high level of this range does not dominate the low level".to_string(),
            "invalid range",
        );
        return None;
    }
    Some(Range { low, high })
}

/// What checkpolicy checks a security context against as it reads it: the roles of each
/// user and the types of each role that statements of the global block give, role
/// attributes not expanded. Optional blocks and role attributes add theirs only when the
/// policy is linked and expanded, after every context was checked, so a context that only
/// they make valid is refused.
pub(super) struct ContextGrants {
    /// Roles each user is given (by user value - 1; bit = role value - 1).
    pub user_roles: Vec<Ebitmap>,
    /// Types each role is given (by role value - 1; bit = type value - 1).
    pub role_types: Vec<Ebitmap>,
    /// Each user's MLS range (by user value - 1).
    pub user_ranges: Vec<Range>,
}

/// Resolves a context and checks it as checkpolicy does while parsing: the user may take
/// the role, the role the type, and (MLS) the range lies within the user's range.
pub(super) fn context(
    cx: &mut Cx,
    syms: &Syms,
    grants: &ContextGrants,
    ctx: &ast::Context,
) -> Option<Context> {
    let Some(&user) = syms.users.get(ctx.user.name.as_str()) else {
        cx.error(
            "undefined-user",
            ctx.user.span,
            format!("user `{}` is not defined", ctx.user.name),
            "not declared",
        );
        return None;
    };
    let role = match syms.roles.get(ctx.role.name.as_str()) {
        Some(&r) if !syms.role_is_attr[r as usize - 1] => r,
        _ => {
            cx.error(
                "undefined-role",
                ctx.role.span,
                format!("role `{}` is not defined", ctx.role.name),
                "not declared",
            );
            return None;
        }
    };
    let ty = super::declare::real_type(cx, syms, &ctx.ty)?;
    let range = match (&ctx.range, cx.opts.mls) {
        (Some(r), true) => range(cx, syms, r)?,
        (None, true) => {
            cx.error(
                "missing-range",
                ctx.span,
                "an MLS policy needs a range in every context".to_string(),
                "no range",
            );
            return None;
        }
        (Some(r), false) => {
            cx.error(
                "mls-not-enabled",
                r.span,
                "a range in a context of a policy compiled without MLS".to_string(),
                "needs MLS",
            );
            return None;
        }
        (None, false) => Range::default(),
    };
    let granted = |list: &[Ebitmap], of: u32, bit: u32| {
        list.get(of as usize - 1).is_some_and(|b| b.get(bit - 1))
    };
    let mut problems = Vec::new();
    if role != 1 {
        if !granted(&grants.user_roles, user, role) {
            problems.push(format!(
                "user `{}` may not take role `{}`",
                ctx.user.name, ctx.role.name
            ));
        }
        if !granted(&grants.role_types, role, ty) {
            problems.push(format!(
                "role `{}` may not take type `{}`",
                ctx.role.name, ctx.ty.name
            ));
        }
        let user_range = &grants.user_ranges[user as usize - 1];
        if cx.opts.mls
            && !(dominates(&range.low, &user_range.low) && dominates(&user_range.high, &range.high))
        {
            problems.push(format!(
                "the range is outside user `{}`'s range",
                ctx.user.name
            ));
        }
    }
    if problems.is_empty() {
        return Some(Context {
            user,
            role,
            ty,
            range,
        });
    }
    let mut d = Diagnostic::error("invalid-context", "invalid security context").primary(
        cx.file,
        ctx.span,
        problems[0].clone(),
    );
    for p in &problems[1..] {
        d = d.note(p.clone());
    }
    cx.push(d);
    None
}
