//! Isolation goals stated in a tree's `flaskc.toml` and checked against the compiled
//! policy: `[[isolation]]` tables, each naming a domain `type` and the types it
//! `must_not_reach` or the only ones it `may_reach`, with the `trusted` types that paths
//! may not pass through (without them every guest reaches every other through dom0).
//!
//! ```toml
//! [[isolation]]
//! type = "isolated_domU_t"
//! may_reach = ["isolated_domU_t_self", "isolated_domU_t_evchn"]
//! trusted = ["dom0_t", "xen_t"]
//! direction = "both"   # out: from the type; in: into it; both (the default)
//! min_weight = 1       # flows below this weight do not count
//! ```
//!
//! Every conditional rule counts (the most any boolean setting allows). A broken goal is
//! an `isolation-violated` error showing a path and the rules of each step.

use super::flows::{self, Filter, FlowGraph};
use super::permmap::PermMap;
use super::{rule, type_id, Booleans};
use crate::diag::Diagnostic;
use crate::policydb::{Ebitmap, Names, PolicyDb, TypeFlavor, TypeId};
use crate::query::search::Rule;
use crate::source::{FileId, Span};
use crate::syntax::ast;

/// Where the statements behind a rule were written (empty when unknown, as for a policy
/// read from a binary).
pub type Locate<'a> = &'a dyn Fn(&Rule) -> Vec<(FileId, Span)>;

/// Which way information must not go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the type to others.
    Out,
    /// From others into the type.
    In,
    /// Either.
    Both,
}

/// One `[[isolation]]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assertion {
    /// The domain type (or attribute: each of its types).
    pub ty: String,
    /// Types (or attributes) no flow may connect the type with.
    pub must_not_reach: Vec<String>,
    /// If given, the only types a flow may connect it with (besides itself and `trusted`).
    pub may_reach: Option<Vec<String>>,
    /// Types paths may not pass through.
    pub trusted: Vec<String>,
    /// Which way.
    pub direction: Direction,
    /// The least weight that counts, 1-10.
    pub min_weight: u8,
}

/// The keys an `[[isolation]]` table may have.
const KEYS: &[&str] = &[
    "type",
    "must_not_reach",
    "may_reach",
    "trusted",
    "direction",
    "min_weight",
];

/// Reads the `isolation` array of a `flaskc.toml` (absent: no goals).
///
/// # Errors
/// A message naming the first malformed table or key.
pub fn parse(table: &toml::Table) -> Result<Vec<Assertion>, String> {
    let Some(v) = table.get("isolation") else {
        return Ok(Vec::new());
    };
    let list = v
        .as_array()
        .ok_or("`isolation` must be an array of tables (`[[isolation]]`)")?;
    list.iter()
        .enumerate()
        .map(|(i, t)| {
            let t = t
                .as_table()
                .ok_or_else(|| format!("isolation #{}: not a table", i + 1))?;
            parse_one(t).map_err(|e| format!("isolation #{}: {e}", i + 1))
        })
        .collect()
}

fn parse_one(t: &toml::Table) -> Result<Assertion, String> {
    if let Some(k) = t.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(format!("unknown key `{k}`"));
    }
    let names = |k: &str| -> Result<Option<Vec<String>>, String> {
        let Some(v) = t.get(k) else { return Ok(None) };
        let bad = || format!("`{k}` must be an array of type names");
        v.as_array()
            .ok_or_else(bad)?
            .iter()
            .map(|x| x.as_str().map(str::to_owned).ok_or_else(bad))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    };
    let ty = t
        .get("type")
        .and_then(|v| v.as_str())
        .ok_or("`type` (a type name) is required")?
        .to_owned();
    let direction = match t.get("direction").map(|v| v.as_str()) {
        None | Some(Some("both")) => Direction::Both,
        Some(Some("out")) => Direction::Out,
        Some(Some("in")) => Direction::In,
        _ => return Err("`direction` must be \"out\", \"in\" or \"both\"".into()),
    };
    let min_weight = match t.get("min_weight") {
        None => 1,
        Some(v) => v
            .as_integer()
            .and_then(|w| u8::try_from(w).ok())
            .filter(|w| (1..=10).contains(w))
            .ok_or("`min_weight` must be an integer from 1 to 10")?,
    };
    let a = Assertion {
        ty,
        must_not_reach: names("must_not_reach")?.unwrap_or_default(),
        may_reach: names("may_reach")?,
        trusted: names("trusted")?.unwrap_or_default(),
        direction,
        min_weight,
    };
    if a.must_not_reach.is_empty() && a.may_reach.is_none() {
        return Err("give `must_not_reach` or `may_reach`".into());
    }
    Ok(a)
}

/// The most offending types reported for one goal.
const MAX_REPORTED: usize = 10;

/// Checks the goals against a policy: one `isolation-violated` error per offending pair
/// (at most `MAX_REPORTED` a goal), `isolation-unknown-type` for names the policy lacks.
pub fn check(
    db: &PolicyDb,
    map: &PermMap,
    goals: &[Assertion],
    locate: Locate<'_>,
) -> Vec<Diagnostic> {
    if goals.is_empty() {
        return Vec::new();
    }
    let graph = flows::build(db, map, &Booleans::All);
    let exps = db.type_expansions();
    let mut out = Vec::new();
    for g in goals {
        let mut unknown = Vec::new();
        let mut types = |names: &[String]| -> Ebitmap {
            let mut set = Ebitmap::new();
            for n in names {
                match type_id(db, n) {
                    Some(id) => {
                        set.set(id.index() as u32);
                        if let Some(e) = exps.get(id.index()) {
                            set.union_with(e);
                        }
                    }
                    None => unknown.push(n.clone()),
                }
            }
            set
        };
        let subjects = types(std::slice::from_ref(&g.ty));
        let forbidden = types(&g.must_not_reach);
        let allowed = g.may_reach.as_deref().map(&mut types);
        let trusted = types(&g.trusted);
        for n in unknown {
            out.push(Diagnostic::error(
                "isolation-unknown-type",
                format!(
                    "isolation goal of `{}` names `{n}`, which the policy lacks",
                    g.ty
                ),
            ));
        }
        let mut filter = Filter::new(db);
        filter.min_weight = g.min_weight;
        for t in trusted.iter() {
            if let Some(id) = TypeId::from_index(t as usize) {
                filter.exclude(db, id);
            }
        }
        let is_type = |t: u32| {
            db.types
                .get(t as usize)
                .is_some_and(|x| x.flavor == TypeFlavor::Type)
        };
        let mut reported = 0;
        for s in subjects.iter().filter(|&s| is_type(s)) {
            for t in (0..db.types.len() as u32).filter(|&t| is_type(t) && t != s) {
                let offends = match &allowed {
                    Some(ok) => !ok.get(t) && !subjects.get(t) && !trusted.get(t),
                    None => forbidden.get(t),
                };
                if !offends || reported >= MAX_REPORTED {
                    continue;
                }
                if let Some(d) = violation(db, &graph, &filter, g, (s, t), locate) {
                    out.push(d);
                    reported += 1;
                }
            }
        }
    }
    out
}

/// The error for a flow between `s` and `t` in the goal's direction, if there is one.
fn violation(
    db: &PolicyDb,
    graph: &FlowGraph,
    filter: &Filter,
    g: &Assertion,
    (s, t): (u32, u32),
    locate: Locate<'_>,
) -> Option<Diagnostic> {
    let (s, t) = (
        TypeId::from_index(s as usize)?,
        TypeId::from_index(t as usize)?,
    );
    let path = match g.direction {
        Direction::Out => graph.shortest_path(s, t, filter),
        Direction::In => graph.shortest_path(t, s, filter),
        Direction::Both => graph
            .shortest_path(s, t, filter)
            .or_else(|| graph.shortest_path(t, s, filter)),
    }?;
    let names = Names::new(db);
    let name = |id: TypeId| names.ty(id.value()).unwrap_or("?").to_owned();
    let (from, to) = (name(path[0]), name(path[path.len() - 1]));
    let route: Vec<String> = path.iter().map(|&id| name(id)).collect();
    let mut d = Diagnostic::error(
        "isolation-violated",
        format!(
            "isolation goal of `{}` broken: information flows from `{from}` to `{to}`",
            g.ty
        ),
    )
    .note(format!("path: {}", route.join(" -> ")));
    for step in graph.steps(&path) {
        let rules: Vec<Rule> = step
            .rules
            .iter()
            .filter_map(|(o, _)| rule(&names, *o))
            .collect();
        let texts: Vec<String> = rules.iter().map(Rule::to_string).collect();
        let what = format!("{} -> {}", name(step.from), name(step.to));
        d = d.note(format!(
            "{what} (weight {}): {}",
            step.weight,
            texts.join(" ")
        ));
        for r in &rules {
            for (file, span) in locate(r).into_iter().take(2) {
                d = d.secondary(file, span, format!("{what}: {r}"));
            }
        }
    }
    if !g.trusted.is_empty() {
        d = d.note(format!("trusted (not on paths): {}", g.trusted.join(", ")));
    }
    Some(d)
}

/// The spans of the `allow` statements of a parsed policy that can give `rule` (its
/// source, target, class and one of its permissions named, or written as `*`, `~`, `self`),
/// in text order.
pub fn locate_rule(policy: &ast::Policy, rule: &Rule) -> Vec<Span> {
    let mut out = Vec::new();
    visit(&policy.items, rule, &mut out);
    out
}

fn visit(items: &[Box<ast::Item>], rule: &Rule, out: &mut Vec<Span>) {
    for item in items {
        match &item.kind {
            ast::ItemKind::AvRule {
                kind: ast::AvRuleKind::Allow,
                source,
                target,
                classes,
                perms,
            } if rule.kind == "allow" => {
                let names = |set: &ast::Set, name: &str| {
                    set.star()
                        || set.complement()
                        || set
                            .items
                            .iter()
                            .any(|i| !i.negated() && i.name().name == name)
                };
                let target_ok = names(target, &rule.target)
                    || (rule.source == rule.target && names(target, "self"));
                let perm_ok = rule.perms.iter().any(|p| names(perms, p));
                if names(source, &rule.source)
                    && target_ok
                    && names(classes, &rule.class)
                    && perm_ok
                {
                    out.push(item.span);
                }
            }
            ast::ItemKind::If {
                then_items,
                else_items,
                ..
            }
            | ast::ItemKind::Optional {
                items: then_items,
                else_items,
            } => {
                visit(then_items, rule, out);
                visit(else_items.as_deref().unwrap_or_default(), rule, out);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn goals(text: &str) -> Result<Vec<Assertion>, String> {
        parse(&text.parse::<toml::Table>().unwrap())
    }

    #[test]
    fn goals_parse_with_defaults_and_refuse_unknown_keys() {
        let g = goals("[[isolation]]\ntype = \"a\"\nmust_not_reach = [\"b\"]\n").unwrap();
        assert_eq!(g[0].direction, Direction::Both);
        assert_eq!(g[0].min_weight, 1);
        assert_eq!(g[0].may_reach, None);
        let e = goals("[[isolation]]\ntype = \"a\"\nmust_not = [\"b\"]\n").unwrap_err();
        assert_eq!(e, "isolation #1: unknown key `must_not`");
        let e = goals("[[isolation]]\ntype = \"a\"\n").unwrap_err();
        assert!(e.contains("must_not_reach"), "{e}");
        let e = goals("[[isolation]]\ntype = \"a\"\nmay_reach = []\nmin_weight = 11\n");
        assert!(e.unwrap_err().contains("min_weight"));
    }
}
