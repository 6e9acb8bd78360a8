//! Which domain types can become which: the domain transition graph.
//!
//! For SELinux it is setools' `DomainTransitionAnalysis`: `s -> t` when `s` may
//! `process transition` to `t` through an entrypoint file type `m` (`s` may `execute` it,
//! `t` has it as `entrypoint`) and either `s` may `setexec` or a `type_transition s
//! m:process t` makes the change; or when `s` may `process dyntransition` to `t` and
//! `setcurrent`. Every rule counts, conditional ones in both branches, as setools counts
//! them. (setools lists an entrypoint on a step when `s` has `setexec` or any process
//! `type_transition` through it; here only entrypoints that make this step count, which
//! matters only for excluded entrypoint types.)
//!
//! For Xen, from what Xen 4.22's `access_vectors` checks:
//! - relabel: `FLASK_RELABEL_DOMAIN` moves a domain from `old` to `new` when `allow old
//!   new:domain transition` holds and either the domain relabels itself (`allow old
//!   new:domain2 relabelself`) or some domain `x` has `domain2 relabelfrom` on `old` and
//!   `relabelto` on `new`;
//! - create: `allow x t:domain create` lets a domain of `x` start a domain of type `t`;
//! - derived labels: `type_transition s t:domain n` gives a domain of `s` the label `n`
//!   when it acts on itself (`t` is `s`: its `_self` label) or as `t`'s device model
//!   target, so `s -> n`.

use super::{entries, expansions, is_allow, Booleans, RuleOrigin};
use crate::policydb::{avkind, Ebitmap, Names, PolicyDb, Target, TypeId};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Why one domain type can become another: a reason's name and its rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// `transition`, `entrypoint`, `setexec`, `dyntransition`, `setcurrent`,
    /// `relabelself`, `relabel by`, `create`, `type_transition`.
    pub what: &'static str,
    /// The entrypoint type, or the domain relabelling.
    pub via: Option<TypeId>,
    /// The rules.
    pub rules: Vec<RuleOrigin>,
}

/// One edge of the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The domain type before.
    pub from: TypeId,
    /// After.
    pub to: TypeId,
    /// Why, in a fixed order.
    pub reasons: Vec<Reason>,
    /// Entrypoint types that make a (non-dynamic) transition (by index); excluding them
    /// all leaves only a dynamic one.
    entrypoints: Vec<u32>,
    /// Whether the step stands without entrypoints (dyntransition, or any Xen reason).
    without_entrypoint: bool,
}

/// The domain transition graph.
#[derive(Debug, Clone)]
pub struct TransitionGraph {
    edges: BTreeMap<(u32, u32), Transition>,
    out: Vec<Vec<u32>>,
}

/// A policy's classes and permissions by name, as (class value, permission bit mask).
fn perm(db: &PolicyDb, class: &str, perm: &str) -> Option<(u16, u32)> {
    let names = Names::new(db);
    let c = db.classes.iter().position(|c| c.name == class)? as u32 + 1;
    let bit = names.perms(c).iter().position(|p| *p == perm)?;
    Some((u16::try_from(c).ok()?, 1u32.checked_shl(bit as u32)?))
}

/// Rules collected by (source type, target type) index pairs.
type PairRules = HashMap<(u32, u32), Vec<RuleOrigin>>;

/// What a pass over the rules collects.
#[derive(Default)]
struct Collected {
    /// Per (source, target): rules of each named permission or type rule.
    pairs: HashMap<&'static str, PairRules>,
    /// Per source type: rules of each named permission that has no target role.
    singles: HashMap<&'static str, HashMap<u32, Vec<RuleOrigin>>>,
    /// Per (source, target): the new types of type rules with their rules.
    type_rules: HashMap<(u32, u32), Vec<(u32, RuleOrigin)>>,
}

/// Builds the graph of a policy (SELinux or Xen rules by its target).
pub fn build(db: &PolicyDb) -> TransitionGraph {
    let exps = expansions(db);
    let (pair_perms, single_perms, type_class): (Vec<_>, Vec<_>, &str) = match db.target {
        Target::Selinux => (
            vec![
                ("transition", "process", "transition"),
                ("dyntransition", "process", "dyntransition"),
                ("execute", "file", "execute"),
                ("entrypoint", "file", "entrypoint"),
            ],
            vec![
                ("setexec", "process", "setexec"),
                ("setcurrent", "process", "setcurrent"),
            ],
            "process",
        ),
        Target::Xen => (
            vec![
                ("transition", "domain", "transition"),
                ("create", "domain", "create"),
                ("relabelself", "domain2", "relabelself"),
                ("relabelfrom", "domain2", "relabelfrom"),
                ("relabelto", "domain2", "relabelto"),
            ],
            Vec::new(),
            "domain",
        ),
    };
    let resolve = |list: &[(&'static str, &str, &str)]| -> Vec<(&'static str, (u16, u32))> {
        list.iter()
            .filter_map(|(k, c, p)| Some((*k, perm(db, c, p)?)))
            .collect()
    };
    let pair_perms = resolve(&pair_perms);
    let single_perms = resolve(&single_perms);
    let type_class = db
        .classes
        .iter()
        .position(|c| c.name == type_class)
        .and_then(|i| u16::try_from(i + 1).ok());
    let mut c = Collected::default();
    let all = Booleans::All;
    for (origin, e) in entries(db, &all) {
        let k = e.key;
        let side = |v: u16| exps.get(usize::from(v).wrapping_sub(1));
        let (Some(ss), Some(ts)) = (side(k.source), side(k.target)) else {
            continue;
        };
        if is_allow(e) {
            for (what, (class, mask)) in &pair_perms {
                if k.class == *class && e.data & mask != 0 {
                    let map = c.pairs.entry(what).or_default();
                    for &s in ss {
                        for &t in ts {
                            map.entry((s, t)).or_default().push(origin);
                        }
                    }
                }
            }
            for (what, (class, mask)) in &single_perms {
                if k.class == *class && e.data & mask != 0 {
                    let map = c.singles.entry(what).or_default();
                    for &s in ss {
                        map.entry(s).or_default().push(origin);
                    }
                }
            }
        } else if k.specified & avkind::TRANSITION != 0 && Some(k.class) == type_class {
            for &s in ss {
                for &t in ts {
                    c.type_rules
                        .entry((s, t))
                        .or_default()
                        .push((e.data.wrapping_sub(1), origin));
                }
            }
        }
    }
    let edges = match db.target {
        Target::Selinux => selinux_edges(db.types.len(), &c),
        Target::Xen => xen_edges(db.types.len(), &c),
    };
    let mut out = vec![Vec::new(); db.types.len()];
    for &(s, t) in edges.keys() {
        out[s as usize].push(t);
    }
    TransitionGraph { edges, out }
}

/// The rules of a pair under a name (empty when none).
fn pair<'a>(c: &'a Collected, what: &str, s: u32, t: u32) -> &'a [RuleOrigin] {
    c.pairs
        .get(what)
        .and_then(|m| m.get(&(s, t)))
        .map_or(&[], Vec::as_slice)
}

/// The targets of each source under a pair name, as bitmaps by source index.
fn targets_by_source(c: &Collected, what: &str, n: usize) -> Vec<Ebitmap> {
    let mut out = vec![Ebitmap::new(); n];
    for &(s, t) in c.pairs.get(what).into_iter().flat_map(HashMap::keys) {
        if let Some(set) = out.get_mut(s as usize) {
            set.set(t);
        }
    }
    out
}

fn new_edge(s: u32, t: u32) -> Option<Transition> {
    Some(Transition {
        from: TypeId::from_index(s as usize)?,
        to: TypeId::from_index(t as usize)?,
        reasons: Vec::new(),
        entrypoints: Vec::new(),
        without_entrypoint: false,
    })
}

fn selinux_edges(n: usize, c: &Collected) -> BTreeMap<(u32, u32), Transition> {
    let execute = targets_by_source(c, "execute", n);
    let entrypoint = targets_by_source(c, "entrypoint", n);
    let single = |what: &str, s: u32| -> Vec<RuleOrigin> {
        c.singles
            .get(what)
            .and_then(|m| m.get(&s))
            .cloned()
            .unwrap_or_default()
    };
    let mut candidates: Vec<(u32, u32)> = ["transition", "dyntransition"]
        .iter()
        .flat_map(|w| c.pairs.get(*w).into_iter().flat_map(HashMap::keys))
        .copied()
        .filter(|(s, t)| s != t)
        .collect();
    candidates.sort_unstable();
    candidates.dedup();
    let mut edges = BTreeMap::new();
    for (s, t) in candidates {
        let Some(mut edge) = new_edge(s, t) else {
            continue;
        };
        let transition = pair(c, "transition", s, t);
        let setexec = single("setexec", s);
        if !transition.is_empty() {
            let matched = entrypoint[t as usize].intersection(&execute[s as usize]);
            let mut reasons = Vec::new();
            for m in matched.iter() {
                let type_trans: Vec<RuleOrigin> = c
                    .type_rules
                    .get(&(s, m))
                    .into_iter()
                    .flatten()
                    .filter(|(new, _)| *new == t)
                    .map(|(_, o)| *o)
                    .collect();
                if setexec.is_empty() && type_trans.is_empty() {
                    continue;
                }
                edge.entrypoints.push(m);
                let mut rules = pair(c, "entrypoint", t, m).to_vec();
                rules.extend_from_slice(pair(c, "execute", s, m));
                rules.extend(type_trans);
                reasons.push((m, rules));
            }
            if !reasons.is_empty() {
                edge.reasons.push(Reason {
                    what: "transition",
                    via: None,
                    rules: transition.to_vec(),
                });
                for (m, rules) in reasons {
                    edge.reasons.push(Reason {
                        what: "entrypoint",
                        via: TypeId::from_index(m as usize),
                        rules,
                    });
                }
                if !setexec.is_empty() {
                    edge.reasons.push(Reason {
                        what: "setexec",
                        via: None,
                        rules: setexec,
                    });
                }
            }
        }
        let dyntransition = pair(c, "dyntransition", s, t);
        let setcurrent = single("setcurrent", s);
        if !dyntransition.is_empty() && !setcurrent.is_empty() {
            edge.without_entrypoint = true;
            edge.reasons.push(Reason {
                what: "dyntransition",
                via: None,
                rules: dyntransition.to_vec(),
            });
            edge.reasons.push(Reason {
                what: "setcurrent",
                via: None,
                rules: setcurrent,
            });
        }
        if !edge.reasons.is_empty() {
            edges.insert((s, t), edge);
        }
    }
    edges
}

fn xen_edges(n: usize, c: &Collected) -> BTreeMap<(u32, u32), Transition> {
    let from = targets_by_source(c, "relabelfrom", n);
    let to = targets_by_source(c, "relabelto", n);
    let mut edges: BTreeMap<(u32, u32), Transition> = BTreeMap::new();
    let mut add = |s: u32, t: u32, what: &'static str, via: Option<u32>, rules: Vec<RuleOrigin>| {
        if s == t || rules.is_empty() {
            return;
        }
        let via = via.and_then(|v| TypeId::from_index(v as usize));
        let reason = Reason { what, via, rules };
        if let Some(edge) = edges.get_mut(&(s, t)) {
            edge.reasons.push(reason);
        } else if let Some(mut edge) = new_edge(s, t) {
            edge.without_entrypoint = true;
            edge.reasons.push(reason);
            edges.insert((s, t), edge);
        }
    };
    let mut transitions: Vec<(u32, u32)> = c
        .pairs
        .get("transition")
        .into_iter()
        .flat_map(HashMap::keys)
        .copied()
        .collect();
    transitions.sort_unstable();
    for (old, new) in transitions {
        let mut why = Vec::new();
        let own = pair(c, "relabelself", old, new);
        if !own.is_empty() {
            why.push(("relabelself", None, own.to_vec()));
        }
        for x in (0..n as u32).filter(|&x| from[x as usize].get(old) && to[x as usize].get(new)) {
            let mut rules = pair(c, "relabelfrom", x, old).to_vec();
            rules.extend_from_slice(pair(c, "relabelto", x, new));
            why.push(("relabel by", Some(x), rules));
        }
        if !why.is_empty() {
            let rules = pair(c, "transition", old, new).to_vec();
            add(old, new, "transition", None, rules);
            for (what, via, rules) in why {
                add(old, new, what, via, rules);
            }
        }
    }
    let mut creates: Vec<(&(u32, u32), &Vec<RuleOrigin>)> =
        c.pairs.get("create").into_iter().flatten().collect();
    creates.sort_unstable();
    for (&(s, t), rules) in creates {
        add(s, t, "create", None, rules.clone());
    }
    let mut derived: Vec<(u32, u32, RuleOrigin)> = c
        .type_rules
        .iter()
        .flat_map(|(&(s, _), news)| news.iter().map(move |&(n, o)| (s, n, o)))
        .collect();
    derived.sort_unstable();
    for (s, new, o) in derived {
        add(s, new, "type_transition", None, vec![o]);
    }
    edges
}

impl TransitionGraph {
    /// Every edge, by (from, to).
    pub fn edges(&self) -> impl Iterator<Item = &Transition> {
        self.edges.values()
    }

    /// An edge, if the exclusions leave it.
    pub fn edge(&self, from: TypeId, to: TypeId, exclude: &[bool]) -> Option<&Transition> {
        let (s, t) = (from.index() as u32, to.index() as u32);
        if excluded(exclude, s) || excluded(exclude, t) {
            return None;
        }
        let e = self.edges.get(&(s, t))?;
        let kept = e.without_entrypoint || e.entrypoints.iter().any(|&m| !excluded(exclude, m));
        kept.then_some(e)
    }

    /// The steps out of a domain type (or into it when `reverse`).
    pub fn from(&self, ty: TypeId, reverse: bool, exclude: &[bool]) -> Vec<&Transition> {
        self.edges
            .values()
            .filter(|e| if reverse { e.to == ty } else { e.from == ty })
            .filter(|e| self.edge(e.from, e.to, exclude).is_some())
            .collect()
    }

    /// One shortest path (the types along it), or `None`.
    pub fn shortest_path(
        &self,
        source: TypeId,
        target: TypeId,
        exclude: &[bool],
    ) -> Option<Vec<TypeId>> {
        let (s, t) = (source.index() as u32, target.index() as u32);
        if excluded(exclude, s) || excluded(exclude, t) {
            return None;
        }
        let mut prev = vec![u32::MAX; self.out.len()];
        prev[s as usize] = s;
        let mut queue = VecDeque::from([s]);
        while let Some(u) = queue.pop_front() {
            if u == t {
                let mut path = vec![t];
                while let Some(&last) = path.last() {
                    if last == s {
                        break;
                    }
                    path.push(prev[last as usize]);
                }
                path.reverse();
                return path
                    .into_iter()
                    .map(|i| TypeId::from_index(i as usize))
                    .collect();
            }
            for &v in self.out.get(u as usize).into_iter().flatten() {
                let (Some(a), Some(b)) = (
                    TypeId::from_index(u as usize),
                    TypeId::from_index(v as usize),
                ) else {
                    continue;
                };
                if prev[v as usize] == u32::MAX && self.edge(a, b, exclude).is_some() {
                    prev[v as usize] = u;
                    queue.push_back(v);
                }
            }
        }
        None
    }
}

fn excluded(exclude: &[bool], t: u32) -> bool {
    exclude.get(t as usize).copied().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::tests::compile;
    use crate::analysis::type_id;

    #[test]
    fn xen_relabel_needs_transition_and_relabel_rights() {
        let db = compile(
            r#"
class domain
class domain2
sid xen
class domain { create transition }
class domain2 { relabelfrom relabelto relabelself }
type dom0_t; type build_t; type guest_t; type other_t; type dom0_t_self;
allow build_t guest_t:domain transition;
allow dom0_t build_t:domain2 relabelfrom;
allow dom0_t guest_t:domain2 relabelto;
allow build_t other_t:domain transition;
allow dom0_t build_t:domain create;
type_transition dom0_t dom0_t:domain dom0_t_self;
user u roles { object_r };
sid xen u:object_r:dom0_t
"#,
        );
        let id = |n| type_id(&db, n).unwrap();
        let g = build(&db);
        let none = vec![false; db.types.len()];
        assert_eq!(
            g.shortest_path(id("dom0_t"), id("guest_t"), &none),
            Some(vec![id("dom0_t"), id("build_t"), id("guest_t")])
        );
        assert!(g.edge(id("build_t"), id("other_t"), &none).is_none());
        let e = g.edge(id("build_t"), id("guest_t"), &none).unwrap();
        let whats: Vec<(&str, Option<TypeId>)> =
            e.reasons.iter().map(|r| (r.what, r.via)).collect();
        assert_eq!(
            whats,
            [("transition", None), ("relabel by", Some(id("dom0_t")))]
        );
        assert!(g.edge(id("dom0_t"), id("dom0_t_self"), &none).is_some());
    }
}
