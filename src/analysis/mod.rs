//! Analyses over a [`PolicyDb`]: information flow between types ([`mod@flows`], weighed
//! with a [`mod@permmap`]), which domain types can become which ([`mod@transitions`]), and
//! the isolation goals a tree states in `flaskc.toml` ([`mod@isolation`]).
//!
//! Like `query`, everything here is a pure function of a policy (usually read from a
//! binary) that returns plain data; `cli` renders it. The semantics follow setools'
//! `InfoFlowAnalysis` and `DomainTransitionAnalysis`, so both tools give the same answers
//! on the same policy and map (`tests/analysis/setools_compare.py` compares them).

pub mod flows;
pub mod isolation;
pub mod permmap;
pub mod transitions;

use crate::policydb::{avkind, eval_cond, AvtabEntry, Names, PolicyDb, TypeFlavor, TypeId};
use crate::query::search::{self, Rule};

/// Where a rule of the policy sits: the unconditional table or a branch of a conditional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuleOrigin {
    /// Entry `index` of `PolicyDb::avtab`.
    Avtab(usize),
    /// Entry `index` of the true (`branch`) or false list of conditional node `node`.
    Cond {
        /// The node's index in `PolicyDb::cond_list`.
        node: usize,
        /// Which list.
        branch: bool,
        /// The entry's index in that list.
        index: usize,
    },
}

/// Which conditional rules count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Booleans {
    /// Every rule of both branches (setools' default: the most any boolean setting allows).
    All,
    /// The rules active with these states (by boolean value - 1).
    States(Vec<bool>),
}

/// Every entry of the policy with where it sits, skipping conditional entries that the
/// boolean states turn off.
pub fn entries<'a>(
    db: &'a PolicyDb,
    booleans: &'a Booleans,
) -> impl Iterator<Item = (RuleOrigin, &'a AvtabEntry)> + 'a {
    let plain = db
        .avtab
        .iter()
        .enumerate()
        .map(|(i, e)| (RuleOrigin::Avtab(i), e));
    let cond = db.cond_list.iter().enumerate().flat_map(move |(n, c)| {
        let on = match booleans {
            Booleans::All => None,
            Booleans::States(s) => Some(eval_cond(&c.expr, s).unwrap_or(false)),
        };
        let branch = move |branch: bool, list: &'a [AvtabEntry]| {
            let keep = on.is_none_or(|v| v == branch);
            list.iter()
                .enumerate()
                .filter(move |_| keep)
                .map(move |(index, e)| {
                    let origin = RuleOrigin::Cond {
                        node: n,
                        branch,
                        index,
                    };
                    (origin, e)
                })
        };
        branch(true, &c.true_list).chain(branch(false, &c.false_list))
    });
    plain.chain(cond)
}

/// The entry a rule origin names (`None` when it names none).
pub fn entry(db: &PolicyDb, origin: RuleOrigin) -> Option<&AvtabEntry> {
    match origin {
        RuleOrigin::Avtab(i) => db.avtab.get(i),
        RuleOrigin::Cond {
            node,
            branch,
            index,
        } => {
            let c = db.cond_list.get(node)?;
            let list = if branch { &c.true_list } else { &c.false_list };
            list.get(index)
        }
    }
}

/// The named rule at an origin (`None` when it names none).
pub fn rule(names: &Names, origin: RuleOrigin) -> Option<Rule> {
    let db = names.db();
    let e = entry(db, origin)?;
    let cond = match origin {
        RuleOrigin::Avtab(_) => None,
        RuleOrigin::Cond { node, branch, .. } => Some((db.cond_list.get(node)?, branch)),
    };
    Some(search::describe(names, e, cond))
}

/// The allow entries of a policy, which the flow and transition graphs are made of.
fn is_allow(e: &AvtabEntry) -> bool {
    e.key.specified & avkind::ALLOWED != 0
}

/// A type or attribute by name or alias.
pub fn type_id(db: &PolicyDb, name: &str) -> Option<TypeId> {
    db.types
        .iter()
        .position(|t| t.name == name)
        .and_then(TypeId::from_index)
        .or_else(|| db.aliases.iter().find(|a| a.name == name).map(|a| a.target))
}

/// What each type value stands for in rules, as type indices (value - 1): a type itself,
/// an attribute its member types (setools' `expand`).
fn expansions(db: &PolicyDb) -> Vec<Vec<u32>> {
    db.type_expansions()
        .iter()
        .map(|set| {
            set.iter()
                .filter(|&t| {
                    db.types
                        .get(t as usize)
                        .is_some_and(|ty| ty.flavor == TypeFlavor::Type)
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::policydb::{HandleUnknown, PolicyDb, Target};
    use crate::source::{SourceFile, SourceMap};

    /// A Xen policy.conf compiled for a test (it must compile).
    pub(crate) fn compile(text: &str) -> PolicyDb {
        let mut map = SourceMap::new();
        let file = map.add(SourceFile::new("t.conf", text));
        let (ast, errors) = crate::syntax::parse(&mut map, file);
        assert!(errors.is_empty(), "{errors:?}");
        let opts = crate::sema::Options {
            target: Target::Xen,
            mls: false,
            handle_unknown: HandleUnknown::Deny,
        };
        let lowered = crate::sema::lower(&ast, file, &opts);
        lowered.db.expect("the test policy compiles")
    }
}
