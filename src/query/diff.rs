//! `diff`: what two policies differ in, by name, like setools' `sediff` summary, for
//! `flaskc diff`.
//!
//! Values differ between two policies (adding one type renumbers the rest), so every
//! item is turned into names first: symbols into their names and member sets, rules into
//! `kind source target:class [condition]` keys with their permissions, contexts into text.
//! Then each section is a comparison of two name-keyed maps.

use super::info::{self, NamedSet};
use super::search::{search, Query, Rule};
use super::{cexpr_str, context_str, is_mls_constraint, or_unknown, perm_names};
use crate::policydb::{
    avkind, names::sid_name, ClassId, Names, OContext, PolicyDb, TypeId, POLICYCAPS,
};
use std::collections::{BTreeMap, BTreeSet};

/// An item present in both policies whose contents differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modified {
    /// The item (a class name, a rule key ...).
    pub name: String,
    /// What the second policy adds to it (permissions, members, a new default).
    pub added: Vec<String>,
    /// What the second policy no longer has in it.
    pub removed: Vec<String>,
}

/// The differences in one kind of item, from the first policy to the second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The kind of item (`Types`, `Allow rules` ...).
    pub name: &'static str,
    /// Items only in the second policy.
    pub added: Vec<String>,
    /// Items only in the first policy.
    pub removed: Vec<String>,
    /// Items in both whose contents differ.
    pub modified: Vec<Modified>,
}

impl Section {
    /// Whether the two policies agree on this kind of item.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.modified.is_empty()
    }
}

/// Items by name, each with the set of names it holds.
type Items = BTreeMap<String, BTreeSet<String>>;

/// Compares two name-keyed maps.
fn section(name: &'static str, a: Items, mut b: Items) -> Section {
    let mut s = Section {
        name,
        added: Vec::new(),
        removed: Vec::new(),
        modified: Vec::new(),
    };
    for (key, old) in a {
        match b.remove(&key) {
            None => s.removed.push(key),
            Some(new) if new != old => s.modified.push(Modified {
                name: key,
                added: new.difference(&old).cloned().collect(),
                removed: old.difference(&new).cloned().collect(),
            }),
            Some(_) => {}
        }
    }
    s.added = b.into_keys().collect();
    s
}

/// Items without contents.
fn set(items: impl IntoIterator<Item = String>) -> Items {
    items.into_iter().map(|i| (i, BTreeSet::new())).collect()
}

/// Named sets as items.
fn named(sets: Vec<NamedSet>) -> Items {
    sets.into_iter()
        .map(|s| (s.name, s.members.into_iter().collect()))
        .collect()
}

/// The differences between `a` and `b`, one section per kind of item (empty sections
/// included, in a fixed order).
pub fn diff(a: &PolicyDb, b: &PolicyDb) -> Vec<Section> {
    // Every field is listed so that a new one breaks the build until it is compared.
    let PolicyDb {
        target: _,         // properties
        mls: _,            // properties
        handle_unknown: _, // properties
        policycaps: _,     // properties
        permissive: _,     // permissive types
        commons: _,        // classes (all permissions)
        classes: _,        // classes, constraints, defaults
        roles: _,          // roles, role attributes are not in binaries
        types: _,          // types, attributes, typebounds
        aliases: _,        // type aliases
        users: _,          // users
        bools: _,          // booleans
        sens: _,           // properties (MLS levels show in contexts)
        cats: _,           // properties
        avtab: _,          // rules
        xperms: _,         // rules
        cond_list: _,      // rules (their conditions)
        role_trans: _,     // role transitions
        role_allow: _,     // role allow rules
        filename_trans: _, // type transition rules
        ocontexts: _,      // initial SIDs, object contexts
        genfs: _,          // object contexts
        range_trans: _,    // range transitions
        type_attr_map: _,  // types and attributes (members)
        hashed_roles: _,   // no meaning: the order roles are written in
    } = a;
    let (na, nb) = (Names::new(a), Names::new(b));
    let both = |f: &dyn Fn(&Names) -> Items| (f(&na), f(&nb));
    let mut out = Vec::new();
    let add = |out: &mut Vec<Section>, name, (x, y): (Items, Items)| out.push(section(name, x, y));
    add(&mut out, "Properties", both(&properties));
    add(&mut out, "Types", both(&|n| named(info::types(n.db()))));
    add(&mut out, "Type aliases", both(&aliases));
    add(
        &mut out,
        "Attributes",
        both(&|n| named(info::attributes(n.db()))),
    );
    add(&mut out, "Roles", both(&|n| named(info::roles(n.db()))));
    add(&mut out, "Users", both(&|n| named(info::users(n.db()))));
    add(&mut out, "Booleans", both(&booleans));
    add(
        &mut out,
        "Classes",
        both(&|n| {
            named(
                info::classes(n.db())
                    .into_iter()
                    .map(|c| NamedSet {
                        name: c.name,
                        members: c.perms,
                    })
                    .collect(),
            )
        }),
    );
    for (name, kind) in [
        ("Allow rules", avkind::ALLOWED),
        ("Auditallow rules", avkind::AUDITALLOW),
        ("Dontaudit rules", avkind::AUDITDENY),
        ("Type_transition rules", avkind::TRANSITION),
        ("Type_change rules", avkind::CHANGE),
        ("Type_member rules", avkind::MEMBER),
    ] {
        let (x, y) = both(&|n| rules(n.db(), kind));
        let mut s = section(name, x.clone(), y.clone());
        with_contents(&mut s.added, &y);
        with_contents(&mut s.removed, &x);
        out.push(s);
    }
    add(
        &mut out,
        "Role allow rules",
        both(&|n| {
            set(n.db().role_allow.iter().map(|r| {
                format!(
                    "allow {} {};",
                    or_unknown(n.role(r.role.value())),
                    or_unknown(n.role(r.new_role.value()))
                )
            }))
        }),
    );
    add(&mut out, "Role transitions", both(&role_transitions));
    add(
        &mut out,
        "Range transitions",
        both(&|n| {
            set(n.db().range_trans.iter().map(|r| {
                format!(
                    "range_transition {} {}:{} {};",
                    or_unknown(n.ty(r.source.value())),
                    or_unknown(n.ty(r.target.value())),
                    or_unknown(n.class(ClassId::value_or_zero(r.class))),
                    super::range_str(n, &r.range)
                )
            }))
        }),
    );
    add(&mut out, "Constraints", both(&constraints));
    add(&mut out, "Defaults", both(&defaults));
    add(
        &mut out,
        "Typebounds",
        both(&|n| {
            set(n.db().types.iter().filter(|t| t.bounds.is_some()).map(|t| {
                format!(
                    "typebounds {} {};",
                    or_unknown(n.ty(TypeId::value_or_zero(t.bounds))),
                    t.name
                )
            }))
        }),
    );
    add(
        &mut out,
        "Permissive types",
        both(&|n| {
            set(n
                .db()
                .permissive
                .iter()
                .map(|v| or_unknown(n.ty(v)).to_owned()))
        }),
    );
    add(&mut out, "Initial SIDs", both(&initial_sids));
    add(
        &mut out,
        "Object contexts",
        both(&|n| set(info::ocontexts(n.db()))),
    );
    out
}

/// Target, MLS, unknown-permission handling, capabilities, MLS symbols.
fn properties(n: &Names) -> Items {
    let db = n.db();
    let one = |v: String| BTreeSet::from([v]);
    let mut out = Items::new();
    out.insert(
        "target".into(),
        one(format!("{:?}", db.target).to_lowercase()),
    );
    out.insert("mls".into(), one(db.mls.to_string()));
    out.insert(
        "handle_unknown".into(),
        one(format!("{:?}", db.handle_unknown).to_lowercase()),
    );
    let caps = db.policycaps.iter().map(|c| {
        POLICYCAPS
            .get(c as usize)
            .map_or_else(|| c.to_string(), |s| (*s).to_owned())
    });
    out.insert("policycaps".into(), caps.collect());
    out.insert(
        "sensitivities".into(),
        db.sens.iter().map(|s| s.name.clone()).collect(),
    );
    out.insert(
        "categories".into(),
        db.cats.iter().map(|c| c.name.clone()).collect(),
    );
    out
}

/// Aliases with the type they name.
fn aliases(n: &Names) -> Items {
    let db = n.db();
    db.aliases
        .iter()
        .map(|a| {
            (
                a.name.clone(),
                BTreeSet::from([or_unknown(n.ty(a.target.value())).to_owned()]),
            )
        })
        .collect()
}

/// Booleans with their default state.
fn booleans(n: &Names) -> Items {
    let db = n.db();
    db.bools
        .iter()
        .map(|b| {
            (
                b.name.clone(),
                BTreeSet::from([format!("default {}", b.state)]),
            )
        })
        .collect()
}

/// Rules of one kind, keyed without their permissions or new type.
fn rules(db: &PolicyDb, kind: u16) -> Items {
    let q = Query {
        kinds: kind,
        direct: true,
        ..Query::default()
    };
    let mut out = Items::new();
    for r in search(db, &q).unwrap_or_default() {
        let Rule {
            kind,
            source,
            target,
            class,
            perms,
            cond,
        } = r;
        let (perms, object) = if kind == "type_transition" && perms.len() == 2 {
            (vec![perms[0].clone()], format!(" {}", perms[1]))
        } else {
            (perms, String::new())
        };
        let cond = cond.map_or_else(String::new, |c| {
            format!(
                " [ {} ]:{}",
                c.expr,
                if c.branch { "True" } else { "False" }
            )
        });
        let key = format!("{kind} {source} {target}:{class}{object}{cond}");
        out.entry(key).or_default().extend(perms);
    }
    out
}

/// Appends to each rule key its permissions (or new type) from `items`, so that added
/// and removed rules read as whole rules.
fn with_contents(keys: &mut [String], items: &Items) {
    for key in keys {
        let Some(contents) = items.get(key.as_str()) else {
            continue;
        };
        let contents: Vec<&str> = contents.iter().map(String::as_str).collect();
        *key = match (key.split_once(" ["), contents.as_slice()) {
            (Some((rule, cond)), [one]) => format!("{rule} {one}; [{cond}"),
            (Some((rule, cond)), many) => format!("{rule} {{ {} }}; [{cond}", many.join(" ")),
            (None, [one]) => format!("{key} {one};"),
            (None, many) => format!("{key} {{ {} }};", many.join(" ")),
        };
    }
}

/// Role transitions.
fn role_transitions(n: &Names) -> Items {
    set(n.db().role_trans.iter().map(|r| {
        format!(
            "role_transition {} {}:{} {};",
            or_unknown(n.role(r.role.value())),
            or_unknown(n.ty(r.ty.value())),
            or_unknown(n.class(ClassId::value_or_zero(r.class))),
            or_unknown(n.role(r.new_role.value()))
        )
    }))
}

/// Constraints and validatetrans rules as statements.
fn constraints(n: &Names) -> Items {
    let mut out = BTreeSet::new();
    for (v, c) in (1u32..).zip(&n.db().classes) {
        for k in &c.constraints {
            let kind = if is_mls_constraint(&k.expr) {
                "mlsconstrain"
            } else {
                "constrain"
            };
            let perms = perm_names(n, v, k.perms).join(" ");
            out.insert(format!(
                "{kind} {} {{ {perms} }} {};",
                c.name,
                cexpr_str(n, &k.expr)
            ));
        }
        for k in &c.validatetrans {
            let kind = if is_mls_constraint(&k.expr) {
                "mlsvalidatetrans"
            } else {
                "validatetrans"
            };
            out.insert(format!("{kind} {} {};", c.name, cexpr_str(n, &k.expr)));
        }
    }
    set(out)
}

/// default_user/role/type/range statements.
fn defaults(n: &Names) -> Items {
    const SIDES: [&str; 3] = ["", "source", "target"];
    const RANGES: [&str; 8] = [
        "",
        "source low",
        "source high",
        "source low-high",
        "target low",
        "target high",
        "target low-high",
        "glblub",
    ];
    let mut out = BTreeSet::new();
    for c in &n.db().classes {
        for (kind, v, table) in [
            ("default_user", c.default_user, &SIDES[..]),
            ("default_role", c.default_role, &SIDES[..]),
            ("default_type", c.default_type, &SIDES[..]),
            ("default_range", c.default_range, &RANGES[..]),
        ] {
            if v != 0 {
                out.insert(format!(
                    "{kind} {} {};",
                    c.name,
                    table.get(v as usize).copied().unwrap_or("?")
                ));
            }
        }
    }
    set(out)
}

/// Initial SIDs with their contexts.
fn initial_sids(n: &Names) -> Items {
    let db = n.db();
    db.ocontexts
        .iter()
        .flatten()
        .filter_map(|o| match o {
            OContext::Isid { sid, context } => Some((
                sid_name(db.target, *sid).map_or_else(|| sid.to_string(), str::to_owned),
                BTreeSet::from([context_str(n, context)]),
            )),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policydb::{Bool, Target};

    #[test]
    fn identical_policies_have_empty_sections() {
        let db = PolicyDb::new(Target::Xen, false);
        assert!(diff(&db, &db).iter().all(Section::is_empty));
    }

    #[test]
    fn boolean_changes_by_name() {
        let mut a = PolicyDb::new(Target::Xen, false);
        a.bools.push(Bool {
            name: "x".into(),
            state: false,
        });
        a.bools.push(Bool {
            name: "gone".into(),
            state: false,
        });
        let mut b = PolicyDb::new(Target::Xen, false);
        b.bools.push(Bool {
            name: "new".into(),
            state: true,
        });
        b.bools.push(Bool {
            name: "x".into(),
            state: true,
        });
        let d = diff(&a, &b);
        let s = d
            .iter()
            .find(|s| s.name == "Booleans")
            .expect("a Booleans section");
        assert_eq!(s.added, ["new"]);
        assert_eq!(s.removed, ["gone"]);
        assert_eq!(
            s.modified,
            [Modified {
                name: "x".into(),
                added: vec!["default true".into()],
                removed: vec!["default false".into()]
            }]
        );
    }
}
