//! `search`: type enforcement rules matching a query, like setools' `sesearch`, for
//! `flaskc search` and for comparing rules by name in [`mod@super::diff`].
//!
//! A binary holds rules as access vector table entries over type and attribute values;
//! a query names types, classes, permissions and booleans, resolved here once. By
//! default a type in a query also matches rules on attributes containing it (and an
//! attribute matches rules on any type it holds), through `type_attr_map`.

use super::{cond_expr_str, or_unknown, perm_names};
use crate::policydb::{avkind, AvtabEntry, CondNode, CondOp, Ebitmap, Names, PolicyDb, Xperms};
use std::fmt;

/// What to look for; empty filters match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// The rule kinds wanted, as [`avkind`] bits (named type transitions count as
    /// [`avkind::TRANSITION`]).
    pub kinds: u16,
    /// Source type or attribute name.
    pub source: Option<String>,
    /// Target type or attribute name.
    pub target: Option<String>,
    /// Class name.
    pub class: Option<String>,
    /// Permission names; a rule matches when it has any of them.
    pub perms: Vec<String>,
    /// Boolean name: only conditional rules whose expression uses it.
    pub boolean: Option<String>,
    /// Match type names exactly, without attribute expansion.
    pub direct: bool,
}

/// A name in a query that the policy does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchError {
    /// No type or attribute has this name.
    UnknownType(String),
    /// No class has this name.
    UnknownClass(String),
    /// No boolean has this name.
    UnknownBool(String),
}

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SearchError::UnknownType(n) => write!(f, "no type or attribute `{n}` in the policy"),
            SearchError::UnknownClass(n) => write!(f, "no class `{n}` in the policy"),
            SearchError::UnknownBool(n) => write!(f, "no boolean `{n}` in the policy"),
        }
    }
}

impl std::error::Error for SearchError {}

/// The condition a conditional rule sits under.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Condition {
    /// The expression in infix form (`a && ! b`).
    pub expr: String,
    /// The branch: `true` when the rule applies while the expression is true.
    pub branch: bool,
}

/// One rule, with names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rule {
    /// `allow`, `auditallow`, `dontaudit`, `type_transition`, `type_change`, `type_member`,
    /// `allowxperm` ...
    pub kind: &'static str,
    /// Source type or attribute.
    pub source: String,
    /// Target type or attribute.
    pub target: String,
    /// Class.
    pub class: String,
    /// Sorted permission names of an AV rule; for a type rule, the new type (and the
    /// object name of a named transition); for an xperm rule, the permission as text.
    pub perms: Vec<String>,
    /// The condition of a conditional rule.
    pub cond: Option<Condition>,
}

impl Rule {
    /// Whether this is an AV rule (its `perms` are permissions, not a new type).
    pub fn is_av(&self) -> bool {
        matches!(self.kind, "allow" | "auditallow" | "dontaudit")
    }
}

impl fmt::Display for Rule {
    /// sesearch's line: `allow a b:c { p q }; [ bool ]:True`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}:{} ",
            self.kind, self.source, self.target, self.class
        )?;
        if self.is_av() && self.perms.len() > 1 {
            write!(f, "{{ {} }};", self.perms.join(" "))?;
        } else {
            write!(f, "{};", self.perms.join(" "))?;
        }
        if let Some(c) = &self.cond {
            let branch = if c.branch { "True" } else { "False" };
            write!(f, " [ {} ]:{branch}", c.expr)?;
        }
        Ok(())
    }
}

/// The name of an avtab kind bit.
fn kind_name(specified: u16) -> &'static str {
    match specified & !avkind::ENABLED {
        avkind::ALLOWED => "allow",
        avkind::AUDITALLOW => "auditallow",
        avkind::AUDITDENY => "dontaudit",
        avkind::TRANSITION => "type_transition",
        avkind::MEMBER => "type_member",
        avkind::CHANGE => "type_change",
        avkind::XPERMS_ALLOWED => "allowxperm",
        avkind::XPERMS_AUDITALLOW => "auditallowxperm",
        avkind::XPERMS_DONTAUDIT => "dontauditxperm",
        _ => "?",
    }
}

/// Query names resolved to values: for a type, the set of type values whose rules match.
struct Resolved {
    source: Option<Ebitmap>,
    target: Option<Ebitmap>,
    class: Option<u32>,
    boolean: Option<u32>,
}

/// The type values (bit = value - 1) whose rules a query type matches: itself, and
/// unless `direct`, every type or attribute sharing a member type with it.
fn type_matches(
    db: &PolicyDb,
    expanded: &[Ebitmap],
    name: &str,
    direct: bool,
) -> Result<Ebitmap, SearchError> {
    let v = db
        .types
        .iter()
        .position(|t| t.name == name)
        .or_else(|| {
            db.aliases
                .iter()
                .find(|a| a.name == name)
                .map(|a| a.target.index())
        })
        .ok_or_else(|| SearchError::UnknownType(name.to_owned()))?;
    let mut out = Ebitmap::new();
    out.set(v as u32);
    if !direct {
        for t in expanded.get(v).into_iter().flat_map(Ebitmap::iter) {
            out.set(t);
            if let Some(attrs) = db.type_attr_map.get(t as usize) {
                out.union_with(attrs);
            }
        }
    }
    Ok(out)
}

fn resolve(db: &PolicyDb, q: &Query) -> Result<Resolved, SearchError> {
    let expanded = db.type_expansions();
    let ty = |n: &Option<String>| {
        n.as_deref()
            .map(|n| type_matches(db, &expanded, n, q.direct))
            .transpose()
    };
    let position = |found: Option<usize>| found.map(|i| i as u32 + 1);
    Ok(Resolved {
        source: ty(&q.source)?,
        target: ty(&q.target)?,
        class: q
            .class
            .as_deref()
            .map(|n| {
                position(db.classes.iter().position(|c| c.name == n))
                    .ok_or_else(|| SearchError::UnknownClass(n.to_owned()))
            })
            .transpose()?,
        boolean: q
            .boolean
            .as_deref()
            .map(|n| {
                position(db.bools.iter().position(|b| b.name == n))
                    .ok_or_else(|| SearchError::UnknownBool(n.to_owned()))
            })
            .transpose()?,
    })
}

/// The rules of `db` matching `q`, sorted.
///
/// # Errors
/// A [`SearchError`] when the query names a type, class or boolean the policy lacks.
pub fn search(db: &PolicyDb, q: &Query) -> Result<Vec<Rule>, SearchError> {
    let r = resolve(db, q)?;
    let names = Names::new(db);
    let keep_types = |s: u32, t: u32, c: u32| {
        r.source.as_ref().is_none_or(|m| m.get(s.wrapping_sub(1)))
            && r.target.as_ref().is_none_or(|m| m.get(t.wrapping_sub(1)))
            && r.class.is_none_or(|k| k == c)
    };
    let entry_rule = |e: &AvtabEntry, cond: Option<(&CondNode, bool)>| -> Option<Rule> {
        let k = e.key;
        if k.specified & q.kinds == 0
            || !keep_types(k.source.into(), k.target.into(), k.class.into())
        {
            return None;
        }
        let rule = describe(&names, e, cond);
        let has_perm = rule.is_av() && rule.perms.iter().any(|p| q.perms.contains(p));
        (q.perms.is_empty() || has_perm).then_some(rule)
    };
    let mut out: Vec<Rule> = Vec::new();
    if r.boolean.is_none() {
        out.extend(db.avtab.iter().filter_map(|e| entry_rule(e, None)));
    }
    for c in &db.cond_list {
        if r.boolean.is_some_and(|b| {
            !c.expr
                .iter()
                .any(|i| i.kind == CondOp::Bool && i.bool_value == b)
        }) {
            continue;
        }
        out.extend(
            c.true_list
                .iter()
                .filter_map(|e| entry_rule(e, Some((c, true)))),
        );
        out.extend(
            c.false_list
                .iter()
                .filter_map(|e| entry_rule(e, Some((c, false)))),
        );
    }
    if q.kinds & avkind::TRANSITION != 0 && q.perms.is_empty() && r.boolean.is_none() {
        for ft in db
            .filename_trans
            .iter()
            .filter(|f| keep_types(f.stype.value(), f.ttype.value(), f.tclass.value()))
        {
            out.push(Rule {
                kind: "type_transition",
                source: or_unknown(names.ty(ft.stype.value())).to_owned(),
                target: or_unknown(names.ty(ft.ttype.value())).to_owned(),
                class: or_unknown(names.class(ft.tclass.value())).to_owned(),
                perms: vec![
                    or_unknown(names.ty(ft.otype.value())).to_owned(),
                    ft.name.clone(),
                ],
                cond: None,
            });
        }
    }
    out.sort();
    Ok(out)
}

/// Extended permissions as sesearch prints them: `ioctl 0x0001` or
/// `ioctl { 0x0001-0x0003 0x0100-0x01ff }` (consecutive numbers as ranges).
fn xperm_str(x: &Xperms) -> String {
    let bits = (0..256u32).filter(|b| x.perms[(b / 32) as usize] & (1 << (b % 32)) != 0);
    // Kind 1 lists functions of one driver; kind 2 lists whole drivers.
    let spans: Vec<(u32, u32)> = if x.specified == 1 {
        bits.map(|b| (u32::from(x.driver) << 8 | b, u32::from(x.driver) << 8 | b))
            .collect()
    } else {
        bits.map(|b| (b << 8, b << 8 | 0xff)).collect()
    };
    let mut merged: Vec<(u32, u32)> = Vec::new();
    for (lo, hi) in spans {
        match merged.last_mut() {
            Some(last) if last.1 + 1 == lo => last.1 = hi,
            _ => merged.push((lo, hi)),
        }
    }
    let text: Vec<String> = merged
        .iter()
        .map(|&(lo, hi)| {
            if lo == hi {
                format!("{lo:#06x}")
            } else {
                format!("{lo:#06x}-{hi:#06x}")
            }
        })
        .collect();
    match merged.as_slice() {
        [(lo, hi)] if lo == hi => format!("ioctl {}", text[0]),
        _ => format!("ioctl {{ {} }}", text.join(" ")),
    }
}

/// An avtab entry as a rule with names (no condition).
/// One avtab entry as a named rule, with the condition of the node (and branch) it sits
/// in, for the analyses that show the rules behind a step.
pub fn describe(names: &Names, e: &AvtabEntry, cond: Option<(&CondNode, bool)>) -> Rule {
    let mut rule = entry_to_rule(names, e);
    rule.cond = cond.map(|(c, branch)| Condition {
        expr: cond_expr_str(names, &c.expr),
        branch,
    });
    rule
}

fn entry_to_rule(names: &Names, e: &AvtabEntry) -> Rule {
    let k = e.key;
    let kind = kind_name(k.specified);
    let perms = if k.specified & avkind::TYPE_RULES != 0 {
        vec![or_unknown(names.ty(e.data)).to_owned()]
    } else if k.specified & avkind::XPERMS != 0 {
        let x = names.db().xperms.get(e.data as usize);
        vec![x.map_or_else(|| "?".to_owned(), xperm_str)]
    } else if k.specified & avkind::AUDITDENY != 0 {
        // The table keeps the permissions still audited; dontaudit names the others.
        perm_names(names, k.class.into(), !e.data)
    } else {
        perm_names(names, k.class.into(), e.data)
    };
    Rule {
        kind,
        source: or_unknown(names.ty(k.source.into())).to_owned(),
        target: or_unknown(names.ty(k.target.into())).to_owned(),
        class: or_unknown(names.class(k.class.into())).to_owned(),
        perms,
        cond: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xen_4_22() -> Option<PolicyDb> {
        let bytes = std::fs::read("../shared/corpus/xen/4.22.0/nomls/policy.30.bin").ok()?;
        crate::binary::read(&bytes).ok().map(|r| r.db)
    }

    #[test]
    fn unknown_names_are_errors() {
        let db = PolicyDb::new(crate::policydb::Target::Xen, false);
        let q = Query {
            kinds: avkind::ALLOWED,
            source: Some("nope".into()),
            ..Query::default()
        };
        assert_eq!(
            search(&db, &q),
            Err(SearchError::UnknownType("nope".into()))
        );
    }

    #[test]
    fn attribute_rules_match_member_types_unless_direct() {
        let Some(db) = xen_4_22() else {
            eprintln!("skipped: ../shared/corpus is absent");
            return;
        };
        let mut q = Query {
            kinds: avkind::ALLOWED,
            source: Some("dom0_t".into()),
            target: Some("xen_t".into()),
            class: Some("xen".into()),
            perms: vec!["writeconsole".into()],
            ..Query::default()
        };
        let lines: Vec<String> = search(&db, &q)
            .unwrap()
            .iter()
            .map(Rule::to_string)
            .collect();
        assert!(
            lines.iter().any(|l| l.starts_with(
                "allow domain_type xen_t:xen writeconsole; [ guest_writeconsole ]:True"
            )),
            "{lines:?}"
        );
        q.direct = true;
        let direct = search(&db, &q).unwrap();
        assert!(direct.iter().all(|r| r.source == "dom0_t"));
    }
}
