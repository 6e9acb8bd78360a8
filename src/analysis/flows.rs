//! Information flow between types, as setools' `InfoFlowAnalysis` computes it.
//!
//! Each allow rule gives flows between every type its source stands for and every type
//! its target stands for (attributes expanded; a type to itself is no flow): a write
//! weight from source to target and a read weight from target to source, each the
//! largest of its permissions' weights in the [`PermMap`]. A graph edge keeps the largest
//! weight of the rules behind it. Queries then leave out excluded types and edges below a
//! minimum weight; paths are counted in steps (breadth first), not summed weights.
//!
//! Conditional rules count per [`Booleans`]: all of them, or those active with given
//! states. (setools, given booleans, drops disabled rules but keeps the weight the edge
//! had with them; here the weight is that of the rules that count.)

use super::permmap::PermMap;
use super::{entries, expansions, is_allow, Booleans, RuleOrigin};
use crate::policydb::{Ebitmap, Names, PolicyDb, TypeFlavor, TypeId};
use std::collections::VecDeque;

/// One allow rule that carries information, with its weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FlowRule {
    origin: RuleOrigin,
    /// Source type or attribute index (value - 1).
    source: usize,
    /// Target type or attribute index.
    target: usize,
    read: u8,
    write: u8,
}

/// The information-flow graph of a policy under a map and boolean states.
#[derive(Debug, Clone)]
pub struct FlowGraph {
    /// For each type index, the types information flows to and the edge's weight, by index.
    out: Vec<Vec<(u32, u8)>>,
    /// The rules with a flow, for showing a step.
    rules: Vec<FlowRule>,
    /// Each type's attributes and itself (bit = index).
    attrs: Vec<Ebitmap>,
}

/// What a query leaves out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// Edges below this weight (1-10) are left out.
    pub min_weight: u8,
    /// Types left out (by index): no path enters or leaves them.
    pub exclude: Vec<bool>,
}

impl Filter {
    /// No exclusions, every edge.
    pub fn new(db: &PolicyDb) -> Filter {
        Filter {
            min_weight: 1,
            exclude: vec![false; db.types.len()],
        }
    }

    /// Leaves out a type, or every type of an attribute.
    pub fn exclude(&mut self, db: &PolicyDb, ty: TypeId) {
        let exp = db.type_expansions();
        for t in exp.get(ty.index()).into_iter().flat_map(Ebitmap::iter) {
            if let Some(x) = self.exclude.get_mut(t as usize) {
                *x = true;
            }
        }
        if let Some(x) = self.exclude.get_mut(ty.index()) {
            *x = true;
        }
    }

    fn excluded(&self, t: u32) -> bool {
        self.exclude.get(t as usize).copied().unwrap_or(false)
    }
}

/// One step of a path and the rules that make it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Where information comes from.
    pub from: TypeId,
    /// Where it goes.
    pub to: TypeId,
    /// The edge's weight.
    pub weight: u8,
    /// The rules giving this flow, each with its weight for it, in policy order.
    pub rules: Vec<(RuleOrigin, u8)>,
}

/// Builds the graph of a policy.
pub fn build(db: &PolicyDb, map: &PermMap, booleans: &Booleans) -> FlowGraph {
    let names = Names::new(db);
    // The (read, write) weight of each permission bit of each class.
    let class_weights: Vec<Vec<(u8, u8)>> = (1..=db.classes.len() as u32)
        .map(|c| {
            let class = names.class(c).unwrap_or("");
            names
                .perms(c)
                .iter()
                .map(|p| map.weights(class, [*p]))
                .collect()
        })
        .collect();
    let mut rules = Vec::new();
    for (origin, e) in entries(db, booleans).filter(|(_, e)| is_allow(e)) {
        let Some(weights) = class_weights.get(usize::from(e.key.class).wrapping_sub(1)) else {
            continue;
        };
        let (mut read, mut write) = (0, 0);
        for (bit, (r, w)) in weights.iter().enumerate().take(32) {
            if e.data & (1 << bit) != 0 {
                read = read.max(*r);
                write = write.max(*w);
            }
        }
        if read > 0 || write > 0 {
            rules.push(FlowRule {
                origin,
                source: usize::from(e.key.source).wrapping_sub(1),
                target: usize::from(e.key.target).wrapping_sub(1),
                read,
                write,
            });
        }
    }
    let n = db.types.len();
    let exps = expansions(db);
    let mut by_source = vec![Vec::new(); n];
    let mut by_target = vec![Vec::new(); n];
    for (i, r) in rules.iter().enumerate() {
        if let Some(list) = by_source.get_mut(r.source) {
            list.push(i);
        }
        if let Some(list) = by_target.get_mut(r.target) {
            list.push(i);
        }
    }
    let attrs: Vec<Ebitmap> = (1..=n as u32).map(|v| db.type_attrs(v)).collect();
    let mut out = vec![Vec::new(); n];
    let mut row = vec![0u8; n];
    let mut touched: Vec<u32> = Vec::new();
    for s in 0..n {
        if db.types[s].flavor != TypeFlavor::Type {
            continue;
        }
        let mut bump = |t: u32, w: u8| {
            if t as usize == s || w == 0 {
                return;
            }
            let slot = &mut row[t as usize];
            if *slot == 0 {
                touched.push(t);
            }
            *slot = (*slot).max(w);
        };
        for a in attrs[s].iter().map(|a| a as usize) {
            for r in by_source.get(a).into_iter().flatten().map(|&i| &rules[i]) {
                for &t in exps.get(r.target).into_iter().flatten() {
                    bump(t, r.write);
                }
            }
            for r in by_target.get(a).into_iter().flatten().map(|&i| &rules[i]) {
                for &t in exps.get(r.source).into_iter().flatten() {
                    bump(t, r.read);
                }
            }
        }
        touched.sort_unstable();
        out[s] = touched.iter().map(|&t| (t, row[t as usize])).collect();
        for &t in &touched {
            row[t as usize] = 0;
        }
        touched.clear();
    }
    FlowGraph { out, rules, attrs }
}

impl FlowGraph {
    /// The edges out of a type that the filter keeps.
    fn edges<'a>(&'a self, t: u32, filter: &'a Filter) -> impl Iterator<Item = (u32, u8)> + 'a {
        self.out
            .get(t as usize)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&(to, w)| w >= filter.min_weight && !filter.excluded(to))
    }

    /// How many edges the graph has (before any filter).
    pub fn edge_count(&self) -> usize {
        self.out.iter().map(Vec::len).sum()
    }

    /// One shortest path from `source` to `target` (the types along it, both ends
    /// included), or `None` when information cannot get there.
    pub fn shortest_path(
        &self,
        source: TypeId,
        target: TypeId,
        filter: &Filter,
    ) -> Option<Vec<TypeId>> {
        let (s, t) = (source.index() as u32, target.index() as u32);
        if filter.excluded(s) || filter.excluded(t) {
            return None;
        }
        let mut prev = vec![u32::MAX; self.out.len()];
        let mut queue = VecDeque::from([s]);
        prev[s as usize] = s;
        while let Some(u) = queue.pop_front() {
            if u == t {
                let mut path = vec![t];
                let mut at = t;
                while at != s {
                    at = prev[at as usize];
                    path.push(at);
                }
                path.reverse();
                return path
                    .into_iter()
                    .map(|i| TypeId::from_index(i as usize))
                    .collect();
            }
            for (v, _) in self.edges(u, filter) {
                if prev[v as usize] == u32::MAX {
                    prev[v as usize] = u;
                    queue.push_back(v);
                }
            }
        }
        None
    }

    /// Every simple path from `source` to `target` of at most `max_len` steps, shortest
    /// first, stopping after `limit` paths (the count grows fast with the length).
    pub fn all_paths(
        &self,
        source: TypeId,
        target: TypeId,
        max_len: usize,
        filter: &Filter,
        limit: usize,
    ) -> Vec<Vec<TypeId>> {
        let (s, t) = (source.index() as u32, target.index() as u32);
        let mut found: Vec<Vec<u32>> = Vec::new();
        if filter.excluded(s) || filter.excluded(t) || s == t {
            return Vec::new();
        }
        let mut on_path = vec![false; self.out.len()];
        let mut path = vec![s];
        on_path[s as usize] = true;
        self.dfs(
            t,
            max_len,
            filter,
            limit,
            &mut path,
            &mut on_path,
            &mut found,
        );
        found.sort_by_key(Vec::len);
        found
            .into_iter()
            .map(|p| {
                p.into_iter()
                    .filter_map(|i| TypeId::from_index(i as usize))
                    .collect()
            })
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn dfs(
        &self,
        t: u32,
        max_len: usize,
        filter: &Filter,
        limit: usize,
        path: &mut Vec<u32>,
        on_path: &mut [bool],
        found: &mut Vec<Vec<u32>>,
    ) {
        let Some(&u) = path.last() else { return };
        for (v, _) in self.edges(u, filter) {
            if found.len() >= limit {
                return;
            }
            if v == t {
                let mut p = path.clone();
                p.push(v);
                found.push(p);
            } else if !on_path[v as usize] && path.len() < max_len {
                on_path[v as usize] = true;
                path.push(v);
                self.dfs(t, max_len, filter, limit, path, on_path, found);
                path.pop();
                on_path[v as usize] = false;
            }
        }
    }

    /// The flows out of a type (`outward`) or into it, with their weights.
    pub fn direct(&self, ty: TypeId, outward: bool, filter: &Filter) -> Vec<(TypeId, u8)> {
        let t = ty.index() as u32;
        if filter.excluded(t) {
            return Vec::new();
        }
        let ids = |(i, w): (u32, u8)| TypeId::from_index(i as usize).map(|id| (id, w));
        if outward {
            return self.edges(t, filter).filter_map(ids).collect();
        }
        (0..self.out.len() as u32)
            .filter(|&u| !filter.excluded(u))
            .filter_map(|u| {
                let w = self.edges(u, filter).find(|&(v, _)| v == t)?.1;
                Some((u, w))
            })
            .filter_map(ids)
            .collect()
    }

    /// A step with the rules behind it (`None` when the graph has no such edge).
    pub fn step(&self, from: TypeId, to: TypeId) -> Option<Step> {
        let (f, t) = (from.index(), to.index());
        let weight = self.out.get(f)?.iter().find(|e| e.0 as usize == t)?.1;
        let holds = |ty: usize, v: usize| self.attrs.get(ty).is_some_and(|a| a.get(v as u32));
        let rules = self
            .rules
            .iter()
            .filter_map(|r| {
                let w = if r.write > 0 && holds(f, r.source) && holds(t, r.target) {
                    r.write
                } else {
                    0
                };
                let rd = if r.read > 0 && holds(t, r.source) && holds(f, r.target) {
                    r.read
                } else {
                    0
                };
                let w = w.max(rd);
                (w > 0).then_some((r.origin, w))
            })
            .collect();
        Some(Step {
            from,
            to,
            weight,
            rules,
        })
    }

    /// The steps of a path.
    pub fn steps(&self, path: &[TypeId]) -> Vec<Step> {
        path.windows(2)
            .filter_map(|w| self.step(w[0], w[1]))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::permmap;

    use crate::analysis::tests::compile;

    const POLICY: &str = r#"
class domain
class mmu
class event
sid xen
class domain { getdomaininfo pause }
class mmu { map_read map_write }
class event { send }
type a; type b; type c; type d;
attribute guests;
typeattribute b guests; typeattribute c guests;
bool locked false;
allow a guests:mmu map_read;
allow c d:event send;
if (locked) { allow d a:mmu map_write; }
allow a self:mmu map_write;
user u roles { object_r };
sid xen u:object_r:a
"#;

    #[test]
    fn paths_follow_read_and_write_weights() {
        let db = compile(POLICY);
        let map = permmap::xen();
        let id = |n| super::super::type_id(&db, n).unwrap();
        let g = build(&db, &map, &Booleans::All);
        let f = Filter::new(&db);
        // a reads c's memory: c -> a; c signals d: c -> d; d writes a (when locked).
        assert_eq!(
            g.shortest_path(id("c"), id("a"), &f),
            Some(vec![id("c"), id("a")])
        );
        assert_eq!(
            g.shortest_path(id("d"), id("b"), &f),
            None,
            "nothing flows into b"
        );
        assert_eq!(
            g.shortest_path(id("c"), id("d"), &f).map(|p| p.len()),
            Some(2)
        );
        let step = g.step(id("d"), id("a")).unwrap();
        assert_eq!(step.weight, 10);
        assert_eq!(step.rules.len(), 1);
        // With the booleans' defaults the conditional write is off.
        let off = build(&db, &map, &Booleans::States(vec![false]));
        assert_eq!(off.step(id("d"), id("a")), None);
        // The event send (weight 5) is below a minimum weight of 6.
        let mut heavy = Filter::new(&db);
        heavy.min_weight = 6;
        assert_eq!(g.shortest_path(id("c"), id("d"), &heavy), None);
        let mut ex = Filter::new(&db);
        ex.exclude(&db, id("a"));
        assert_eq!(g.shortest_path(id("c"), id("a"), &ex), None);
        assert_eq!(g.all_paths(id("d"), id("c"), 3, &f, 10).len(), 0);
        assert_eq!(g.all_paths(id("c"), id("a"), 3, &f, 10).len(), 2);
    }
}
