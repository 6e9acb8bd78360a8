//! `info`: a policy's statistics, counted as setools 4.4's `seinfo` counts them, and
//! listings of its symbols, for `flaskc info`.
//!
//! Rule counts are over access vector table entries (unconditional plus both branches of
//! every conditional), not over source statements, since that is what a binary holds.

use super::{context_str, is_mls_constraint, or_unknown};
use crate::policydb::{
    avkind, names::sid_name, AvtabEntry, Names, OContext, PolicyDb, Target, TypeFlavor,
};

/// One statistic: seinfo's label and the count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    /// The label as seinfo prints it (`Type_trans`, `Cond. Expr.`).
    pub label: &'static str,
    /// The count.
    pub count: usize,
}

/// A class with its permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassInfo {
    /// The class name.
    pub name: String,
    /// The inherited common, if any.
    pub common: Option<String>,
    /// All permissions (the common's included), sorted.
    pub perms: Vec<String>,
}

/// A named set: a type's attributes, an attribute's members, a role's types, a user's roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedSet {
    /// The symbol's name.
    pub name: String,
    /// The names in its set, sorted.
    pub members: Vec<String>,
}

/// Statistics in seinfo's order; the target-specific object-context counts come last.
pub fn info(db: &PolicyDb) -> Vec<Stat> {
    let all_rules = || {
        db.avtab.iter().chain(
            db.cond_list
                .iter()
                .flat_map(|c| c.true_list.iter().chain(&c.false_list)),
        )
    };
    let rules = |kind: u16| {
        all_rules()
            .filter(|e: &&AvtabEntry| e.key.specified & kind != 0)
            .count()
    };
    let constraints = |vt: bool, mls: bool| {
        db.classes
            .iter()
            .flat_map(|c| if vt { &c.validatetrans } else { &c.constraints })
            .filter(|c| is_mls_constraint(&c.expr) == mls)
            .count()
    };
    let ocons = |f: fn(&OContext) -> bool| db.ocontexts.iter().flatten().filter(|o| f(o)).count();
    let names = Names::new(db);
    let mut out = vec![
        ("Classes", db.classes.len()),
        (
            "Permissions",
            db.classes.iter().map(|c| c.perms.len()).sum::<usize>()
                + db.commons.iter().map(|c| c.perms.len()).sum::<usize>(),
        ),
        ("Sensitivities", db.sens.iter().filter(|s| !s.alias).count()),
        ("Categories", db.cats.iter().filter(|c| !c.alias).count()),
        ("Types", count_flavor(db, TypeFlavor::Type)),
        ("Attributes", count_flavor(db, TypeFlavor::Attribute)),
        ("Users", db.users.len()),
        (
            "Roles",
            (1..=db.roles.len() as u32)
                .filter(|&v| names.role(v).is_some())
                .count(),
        ),
        ("Booleans", db.bools.len()),
        ("Cond. Expr.", db.cond_list.len()),
        ("Allow", rules(avkind::ALLOWED)),
        ("Neverallow", 0),
        ("Auditallow", rules(avkind::AUDITALLOW)),
        ("Dontaudit", rules(avkind::AUDITDENY)),
        (
            "Type_trans",
            rules(avkind::TRANSITION) + db.filename_trans.len(),
        ),
        ("Type_change", rules(avkind::CHANGE)),
        ("Type_member", rules(avkind::MEMBER)),
        ("Range_trans", db.range_trans.len()),
        ("Role allow", db.role_allow.len()),
        ("Role_trans", db.role_trans.len()),
        ("Constraints", constraints(false, false)),
        ("Validatetrans", constraints(true, false)),
        ("MLS Constrain", constraints(false, true)),
        ("MLS Val. Tran", constraints(true, true)),
        ("Permissives", db.permissive.len()),
        ("Polcap", db.policycaps.len()),
        (
            "Defaults",
            db.classes
                .iter()
                .map(|c| {
                    [
                        c.default_user,
                        c.default_role,
                        c.default_type,
                        c.default_range,
                    ]
                    .iter()
                    .filter(|d| **d != 0)
                    .count()
                })
                .sum(),
        ),
        (
            "Typebounds",
            db.types.iter().filter(|t| t.bounds.is_some()).count(),
        ),
    ];
    match db.target {
        Target::Selinux => out.extend([
            ("Allowxperm", rules(avkind::XPERMS_ALLOWED)),
            ("Neverallowxperm", 0),
            ("Auditallowxperm", rules(avkind::XPERMS_AUDITALLOW)),
            ("Dontauditxperm", rules(avkind::XPERMS_DONTAUDIT)),
            (
                "Ibendportcon",
                ocons(|o| matches!(o, OContext::Ibendport { .. })),
            ),
            ("Ibpkeycon", ocons(|o| matches!(o, OContext::Ibpkey { .. }))),
            (
                "Initial SIDs",
                ocons(|o| matches!(o, OContext::Isid { .. })),
            ),
            ("Fs_use", ocons(|o| matches!(o, OContext::FsUse { .. }))),
            ("Genfscon", db.genfs.iter().map(|g| g.entries.len()).sum()),
            ("Portcon", ocons(|o| matches!(o, OContext::Port { .. }))),
            ("Netifcon", ocons(|o| matches!(o, OContext::Netif { .. }))),
            (
                "Nodecon",
                ocons(|o| matches!(o, OContext::Node { .. } | OContext::Node6 { .. })),
            ),
        ]),
        Target::Xen => out.extend([
            (
                "Initial SIDs",
                ocons(|o| matches!(o, OContext::Isid { .. })),
            ),
            (
                "Devicetreecon",
                ocons(|o| matches!(o, OContext::Devicetree { .. })),
            ),
            ("Iomemcon", ocons(|o| matches!(o, OContext::Iomem { .. }))),
            ("Ioportcon", ocons(|o| matches!(o, OContext::Ioport { .. }))),
            (
                "Pcidevicecon",
                ocons(|o| matches!(o, OContext::Pcidevice { .. })),
            ),
            ("Pirqcon", ocons(|o| matches!(o, OContext::Pirq { .. }))),
        ]),
    }
    out.into_iter()
        .map(|(label, count)| Stat { label, count })
        .collect()
}

/// The number of type values of a flavour.
fn count_flavor(db: &PolicyDb, flavor: TypeFlavor) -> usize {
    db.types.iter().filter(|t| t.flavor == flavor).count()
}

/// Sorts names and turns them into owned strings.
fn sorted(mut v: Vec<&str>) -> Vec<String> {
    v.sort_unstable();
    v.into_iter().map(str::to_owned).collect()
}

/// Classes by name, each with all its permissions.
pub fn classes(db: &PolicyDb) -> Vec<ClassInfo> {
    let names = Names::new(db);
    let mut out: Vec<ClassInfo> = (1..=db.classes.len() as u32)
        .zip(&db.classes)
        .map(|(v, c)| ClassInfo {
            name: c.name.clone(),
            common: c.common.clone(),
            perms: sorted(names.perms(v)),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Types (not attributes) by name, each with its aliases and attributes as members.
pub fn types(db: &PolicyDb) -> Vec<NamedSet> {
    let names = Names::new(db);
    let mut out: Vec<NamedSet> = db
        .types
        .iter()
        .enumerate()
        .filter(|(_, t)| t.flavor == TypeFlavor::Type)
        .map(|(i, t)| {
            let attrs = db.type_attr_map.get(i).map(|m| names.of_bits(m, Names::ty));
            let attrs = attrs
                .unwrap_or_default()
                .into_iter()
                .filter(|a| *a != t.name);
            NamedSet {
                name: t.name.clone(),
                members: sorted(attrs.collect()),
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Attributes by name, each with its member types.
pub fn attributes(db: &PolicyDb) -> Vec<NamedSet> {
    let names = Names::new(db);
    let members = db.type_expansions();
    let mut out: Vec<NamedSet> = db
        .types
        .iter()
        .zip(&members)
        .filter(|(t, _)| t.flavor == TypeFlavor::Attribute)
        .map(|(t, m)| NamedSet {
            name: t.name.clone(),
            members: sorted(names.of_bits(m, Names::ty)),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Roles by name, each with its types.
pub fn roles(db: &PolicyDb) -> Vec<NamedSet> {
    let names = Names::new(db);
    let mut out: Vec<NamedSet> = db
        .roles
        .iter()
        .flatten()
        .map(|r| NamedSet {
            name: r.name.clone(),
            members: sorted(names.of_bits(&r.types, Names::ty)),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Users by name, each with its roles.
pub fn users(db: &PolicyDb) -> Vec<NamedSet> {
    let names = Names::new(db);
    let mut out: Vec<NamedSet> = db
        .users
        .iter()
        .map(|u| NamedSet {
            name: u.name.clone(),
            members: sorted(names.of_bits(&u.roles, Names::role)),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Booleans by name with their default states.
pub fn booleans(db: &PolicyDb) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = db.bools.iter().map(|b| (b.name.clone(), b.state)).collect();
    out.sort();
    out
}

/// Initial SIDs in SID order, each as (name, context).
pub fn initial_sids(db: &PolicyDb) -> Vec<(String, String)> {
    let names = Names::new(db);
    let mut sids: Vec<(u32, String)> = db
        .ocontexts
        .iter()
        .flatten()
        .filter_map(|o| match o {
            OContext::Isid { sid, context } => Some((*sid, context_str(&names, context))),
            _ => None,
        })
        .collect();
    sids.sort();
    sids.into_iter()
        .map(|(sid, ctx)| (or_unknown(sid_name(db.target, sid)).to_owned(), ctx))
        .collect()
}

/// Object contexts other than initial SIDs, one statement each, in the policy's order
/// (genfscon entries included for SELinux).
pub fn ocontexts(db: &PolicyDb) -> Vec<String> {
    let names = Names::new(db);
    let mut out: Vec<String> = db
        .ocontexts
        .iter()
        .flatten()
        .filter(|o| !matches!(o, OContext::Isid { .. }))
        .map(|o| super::ocontext_str(&names, o))
        .collect();
    for g in &db.genfs {
        for e in &g.entries {
            out.push(format!(
                "genfscon {} {} {}",
                g.fstype,
                e.path,
                context_str(&names, &e.context)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(path: &str) -> Option<PolicyDb> {
        let bytes = std::fs::read(format!("../shared/corpus/{path}")).ok()?;
        crate::binary::read(&bytes).ok().map(|r| r.db)
    }

    fn stat(stats: &[Stat], label: &str) -> usize {
        stats
            .iter()
            .find(|s| s.label == label)
            .map_or(usize::MAX, |s| s.count)
    }

    #[test]
    fn empty_policy_counts_zero() {
        let stats = info(&PolicyDb::new(Target::Xen, false));
        assert!(stats.iter().all(|s| s.count == 0));
        assert_eq!(stats.last().map(|s| s.label), Some("Pirqcon"));
    }

    #[test]
    fn xen_4_22_counts_and_listings() {
        let Some(db) = corpus("xen/4.22.0/nomls/policy.30.bin") else {
            eprintln!("skipped: ../shared/corpus is absent");
            return;
        };
        let stats = info(&db);
        assert_eq!(stat(&stats, "Allow"), 166);
        assert_eq!(stat(&stats, "Type_trans"), 132);
        assert_eq!(stat(&stats, "Initial SIDs"), 13);
        let attrs = attributes(&db);
        let domain = attrs.iter().find(|a| a.name == "domain_type");
        assert!(domain.is_some_and(|a| a.members.iter().any(|m| m == "dom0_t")));
        assert_eq!(initial_sids(&db)[0].0, "xenboot");
        assert_eq!(
            initial_sids(&db)[1],
            ("xen".to_owned(), "system_u:system_r:xen_t".to_owned())
        );
    }
}
