//! The extra rules of Xen's policy loader (RELEASE-4.22.0, binary-format.md §13), for
//! policies that libsepol accepts but the hypervisor would refuse.

use crate::policydb::{avkind, Context, Level, OContext, PolicyDb, RoleId, Target, TypeId, UserId};

/// Classes 1..13 of Xen 4.22, in the value order the hypervisor requires (§13.4).
pub const XEN_CLASSES: [&str; 13] = [
    "xen", "xen2", "domain", "domain2", "hvm", "mmu", "resource", "shadow", "event", "grant",
    "security", "version", "argo",
];

/// Lists why Xen 4.22's loader would refuse `db` written at `version` (empty when it
/// would load it). `read` already enforces libsepol's rules; these are Xen's additions.
pub fn xen_loader_check(db: &PolicyDb, version: u32) -> Vec<String> {
    let mut out = Vec::new();
    if db.target != Target::Xen {
        out.push("the target is not Xen (\"XenFlask\")".to_owned());
    }
    if !(15..=30).contains(&version) {
        out.push(format!("Xen loads policy versions up to 30, not {version}"));
    }
    for c in db.classes.iter().filter(|c| c.common.is_some()) {
        out.push(format!(
            "class `{}` inherits a common, which Xen rejects",
            c.name
        ));
    }
    if db.avtab.is_empty() {
        out.push("the unconditional avtab is empty".to_owned());
    }
    let all = db.avtab.iter().chain(
        db.cond_list
            .iter()
            .flat_map(|c| c.true_list.iter().chain(&c.false_list)),
    );
    if all
        .into_iter()
        .any(|e| e.key.specified & avkind::XPERMS != 0)
    {
        out.push("the policy has extended-permission (xperm) rules".to_owned());
    }
    if !db.filename_trans.is_empty() {
        out.push(format!(
            "the policy has {} named type transitions; Xen requires none",
            db.filename_trans.len()
        ));
    }
    if !db.genfs.is_empty() {
        out.push("the policy has genfscon entries; Xen requires none".to_owned());
    }
    bounds(db, &mut out);
    contexts(db, &mut out);
    for (i, want) in XEN_CLASSES.iter().enumerate() {
        match db.classes.get(i) {
            Some(c) if c.name == *want => {}
            Some(c) => out.push(format!(
                "class value {} is `{}`, but Xen requires `{want}` there",
                i + 1,
                c.name
            )),
            None => out.push(format!("class `{want}` (value {}) is missing", i + 1)),
        }
    }
    out
}

/// Xen follows `bounds` at most three steps (§13.3).
const MAX_BOUNDS_DEPTH: usize = 4;

/// Whether following `bounds` from `start` stops within Xen's depth limit.
fn chain_ok(start: u32, bounds_of: impl Fn(u32) -> u32) -> bool {
    let mut v = start;
    for _ in 0..MAX_BOUNDS_DEPTH {
        v = bounds_of(v);
        if v == 0 {
            return true;
        }
    }
    false
}

/// §13.3 bounds sanity: short chains; a bounded user's roles and a bounded role's types
/// within its bounder's.
fn bounds(db: &PolicyDb, out: &mut Vec<String>) {
    let role = |v: u32| {
        db.roles
            .get((v as usize).wrapping_sub(1))
            .and_then(|r| r.as_ref())
    };
    for (i, u) in db.users.iter().enumerate() {
        let of = |v: u32| {
            db.users
                .get((v as usize).wrapping_sub(1))
                .map_or(0, |u| UserId::value_or_zero(u.bounds))
        };
        if !chain_ok(i as u32 + 1, of) {
            out.push(format!(
                "bounds chain of user `{}` is too long or cyclic",
                u.name
            ));
        }
        let parent = u.bounds.and_then(|b| db.users.get(b.index()));
        if parent.is_some_and(|p| !u.roles.is_subset(&p.roles)) {
            out.push(format!(
                "user `{}` has roles its bounding user lacks",
                u.name
            ));
        }
    }
    for (i, r) in db.roles.iter().enumerate() {
        let Some(r) = r else { continue };
        let of = |v: u32| role(v).map_or(0, |r| RoleId::value_or_zero(r.bounds));
        if !chain_ok(i as u32 + 1, of) {
            out.push(format!(
                "bounds chain of role `{}` is too long or cyclic",
                r.name
            ));
        }
        if role(RoleId::value_or_zero(r.bounds)).is_some_and(|p| !r.types.is_subset(&p.types)) {
            out.push(format!(
                "role `{}` has types its bounding role lacks",
                r.name
            ));
        }
    }
    for (i, t) in db.types.iter().enumerate() {
        let of = |v: u32| {
            db.types
                .get((v as usize).wrapping_sub(1))
                .map_or(0, |t| TypeId::value_or_zero(t.bounds))
        };
        if !chain_ok(i as u32 + 1, of) {
            out.push(format!(
                "bounds chain of type `{}` is too long or cyclic",
                t.name
            ));
        }
    }
}

/// Whether `a` dominates `b` (higher or equal sensitivity, superset of categories).
fn dominates(a: &Level, b: &Level) -> bool {
    a.sens >= b.sens && b.cats.is_subset(&a.cats)
}

/// §13.3: every object context must be valid for the loader: the role authorised for the
/// type and the user for the role (unless the role is object_r), and in MLS policies the
/// range within the user's.
fn contexts(db: &PolicyDb, out: &mut Vec<String>) {
    for (list, ocons) in db.ocontexts.iter().enumerate() {
        for (i, o) in ocons.iter().enumerate() {
            let c = ocontext_context(o);
            let role = db
                .roles
                .get((c.role as usize).wrapping_sub(1))
                .and_then(|r| r.as_ref());
            let user = db.users.get((c.user as usize).wrapping_sub(1));
            let (Some(role), Some(user)) = (role, user) else {
                continue;
            };
            let at = format!("context of ocontext list {list}, record {i}");
            if role.name != "object_r" {
                if !role.types.get(c.ty.wrapping_sub(1)) {
                    out.push(format!("{at}: role `{}` may not have that type", role.name));
                }
                if !user.roles.get(c.role - 1) {
                    out.push(format!(
                        "{at}: user `{}` may not have role `{}`",
                        user.name, role.name
                    ));
                }
                if db.mls
                    && !(dominates(&c.range.low, &user.range.low)
                        && dominates(&user.range.high, &c.range.high))
                {
                    out.push(format!(
                        "{at}: range is outside user `{}`'s range",
                        user.name
                    ));
                }
            }
        }
    }
}

/// The (first) context of an ocontext record.
fn ocontext_context(o: &OContext) -> &Context {
    match o {
        OContext::Isid { context, .. }
        | OContext::Pirq { context, .. }
        | OContext::Ioport { context, .. }
        | OContext::Iomem { context, .. }
        | OContext::Pcidevice { context, .. }
        | OContext::Devicetree { context, .. }
        | OContext::Fs { context, .. }
        | OContext::Port { context, .. }
        | OContext::Netif { context, .. }
        | OContext::Node { context, .. }
        | OContext::FsUse { context, .. }
        | OContext::Node6 { context, .. }
        | OContext::Ibpkey { context, .. }
        | OContext::Ibendport { context, .. } => context,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_policy_is_refused() {
        let db = PolicyDb::new(Target::Xen, false);
        let problems = xen_loader_check(&db, 30);
        assert!(problems.iter().any(|p| p.contains("avtab is empty")));
        assert!(problems
            .iter()
            .any(|p| p.contains("class `xen` (value 1) is missing")));
        assert!(xen_loader_check(&db, 33)
            .iter()
            .any(|p| p.contains("up to 30")));
    }
}
