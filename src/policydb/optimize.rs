//! `checkpolicy -O`: libsepol's `policydb_optimize`, which drops access rules that more
//! general rules already cover and trims the permissions that other rules grant.
//!
//! The result must be byte-identical to libsepol's, so its order of work is kept: the
//! unconditional table is walked in its written (bucket) order, each entry checked against
//! the table as it stands then (entries removed or trimmed earlier count as such), and a
//! covered permission is cleared from the entry even when the entry stays. Conditional
//! branches are then checked against the unconditional table and against their own
//! attribute rules, which libsepol moves to the end of the branch (reversed) first.

use super::{avkind, AvtabEntry, Ebitmap, PolicyDb, TypeFlavor, TypeId, Xperms};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The kinds the optimizer looks at: access vectors and extended permissions.
const COVERABLE: u16 = avkind::ALLOWED | avkind::AUDITALLOW | avkind::AUDITDENY | avkind::XPERMS;

/// Why a policy cannot be optimized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptimizeError(pub String);

impl std::fmt::Display for OptimizeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Removes and trims redundant rules in place, as `policydb_optimize` does for a policy
/// to be written at `version`.
///
/// # Errors
/// Versions 20 to 23 keep attributes only in the type-attribute map, which libsepol
/// refuses to optimize; so does this.
pub fn optimize(db: &mut PolicyDb, version: u32) -> Result<(), OptimizeError> {
    if (20..=23).contains(&version) {
        return Err(OptimizeError(
            "optimizing policy versions between 20 and 23 is not supported".into(),
        ));
    }
    let map = TypeMap::new(db);
    optimize_avtab(db, &map);
    optimize_conditionals(db, &map);
    Ok(())
}

/// For each type or attribute (0-based), the attributes (and, for a type, the type
/// itself) whose rules cover it, as avtab key values, ascending: `build_type_map`. A
/// value past the keys' 16 bits is left out: no rule can be keyed on it.
struct TypeMap {
    covers: Vec<Vec<u16>>,
    is_attr: Vec<bool>,
}

impl TypeMap {
    fn new(db: &PolicyDb) -> TypeMap {
        let n = db.types.len();
        let is_attr: Vec<bool> = db
            .types
            .iter()
            .map(|t| t.flavor == TypeFlavor::Attribute)
            .collect();
        let empty = Ebitmap::new();
        let attrs_of = |i: usize| db.type_attr_map.get(i).unwrap_or(&empty);
        // An attribute's member types, from the type-to-attribute map as libsepol
        // rebuilds it (a type's own bit aside).
        let mut members = vec![Ebitmap::new(); n];
        for i in 0..n {
            for a in attrs_of(i).iter() {
                if a as usize != i && (a as usize) < n {
                    members[a as usize].set(i as u32);
                }
            }
        }
        let key_value = |i: usize| TypeId::from_index(i).and_then(|t| t.to_u16().ok());
        let covers = (0..n)
            .map(|i| {
                if !is_attr[i] {
                    return attrs_of(i)
                        .iter()
                        .filter_map(|a| key_value(a as usize))
                        .collect();
                }
                (0..n)
                    .filter(|&k| is_attr[k] && members[i].is_subset(&members[k]))
                    .filter_map(key_value)
                    .collect()
            })
            .collect();
        TypeMap { covers, is_attr }
    }

    fn covers(&self, value: u16) -> &[u16] {
        &self.covers[value as usize - 1]
    }

    fn has_attribute(&self, e: &AvtabEntry) -> bool {
        self.is_attr[e.key.source as usize - 1] || self.is_attr[e.key.target as usize - 1]
    }
}

/// Takes from `d1` what `d2` grants (for `dontaudit`, what it already audits-deny);
/// true when nothing is left: `process_avtab_datum`.
fn take_covered(kind: u16, d1: &mut Datum, d2: &Datum) -> bool {
    match (d1, d2) {
        (Datum::Perms(a), Datum::Perms(b)) if kind & avkind::AUDITDENY != 0 => {
            *a |= !b;
            *a == u32::MAX
        }
        (Datum::Perms(a), Datum::Perms(b)) => {
            *a &= !b;
            *a == 0
        }
        (Datum::Xperms(x1), Datum::Xperms(x2)) => match (x1.specified, x2.specified) {
            // Function entries: the same driver's numbers.
            (1, 1) if x1.driver == x2.driver => clear_all(&mut x1.perms, &x2.perms),
            (1, 1) => false,
            // A function entry under a driver the other allows whole.
            (1, 2) => x2.perms[x1.driver as usize / 32] & (1 << (x1.driver % 32)) != 0,
            (2, 2) => clear_all(&mut x1.perms, &x2.perms),
            _ => false,
        },
        _ => false,
    }
}

fn clear_all(p1: &mut [u32; 8], p2: &[u32; 8]) -> bool {
    for (a, b) in p1.iter_mut().zip(p2) {
        *a &= !b;
    }
    p1.iter().all(|&w| w == 0)
}

/// An entry's payload as the optimizer compares it.
#[derive(Clone)]
enum Datum {
    Perms(u32),
    Xperms(Xperms),
}

fn datum(db: &PolicyDb, e: &AvtabEntry) -> Datum {
    if e.key.specified & avkind::XPERMS != 0 {
        Datum::Xperms(db.xperms[e.data as usize])
    } else {
        Datum::Perms(e.data)
    }
}

fn store(db: &mut PolicyDb, e: &mut AvtabEntry, d: Datum) {
    match d {
        Datum::Perms(p) => e.data = p,
        Datum::Xperms(x) => db.xperms[e.data as usize] = x,
    }
}

/// The unconditional table's entries by (source, target, class, kind), in table order,
/// for `avtab_search` (which finds the first live entry of a key).
/// Entries by (source, target, class, kind) packed into one integer ([`packed`]).
type KeyIndex = HashMap<u64, Vec<usize>, BuildHasherDefault<KeyHasher>>;

/// A multiply-and-fold hash of a packed key. The index is probed once per pair of
/// attributes covering a rule's source and target, and SipHash was most of `-O`'s time;
/// only lookups use it, so its order reaches no output.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, x: u64) {
        let h = (self.0 ^ x ^ (x >> 29)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = h ^ (h >> 32);
    }
}

/// The index key of a (source, target, class, kind) quadruple.
fn packed(source: u16, target: u16, class: u16, kind: u16) -> u64 {
    u64::from(source) | u64::from(target) << 16 | u64::from(class) << 32 | u64::from(kind) << 48
}

fn key_index(entries: &[AvtabEntry]) -> KeyIndex {
    let mut index = KeyIndex::default();
    for (i, e) in entries.iter().enumerate() {
        let k = e.key;
        index
            .entry(packed(
                k.source,
                k.target,
                k.class,
                k.specified & !avkind::ENABLED,
            ))
            .or_default()
            .push(i);
    }
    index
}

/// `is_avrule_redundant`: whether rules of the unconditional table on attributes covering
/// the entry's source and target take every permission from `d1` (trimming it on the way).
/// With `skip_self`, the entry's own key is not a cover (it is the entry itself).
#[allow(clippy::too_many_arguments)]
fn covered_by_table(
    e: &AvtabEntry,
    d1: &mut Datum,
    db: &PolicyDb,
    live: &[bool],
    index: &KeyIndex,
    map: &TypeMap,
    skip_self: bool,
) -> bool {
    let kind = e.key.specified & !avkind::ENABLED;
    if kind & COVERABLE == 0 {
        return false;
    }
    for &s in map.covers(e.key.source) {
        for &t in map.covers(e.key.target) {
            if skip_self && s == e.key.source && t == e.key.target {
                continue;
            }
            let found = index
                .get(&packed(s, t, e.key.class, kind))
                .and_then(|v| v.iter().find(|&&j| live[j]));
            let Some(&j) = found else {
                continue;
            };
            if take_covered(kind, d1, &datum(db, &db.avtab[j])) {
                return true;
            }
        }
    }
    false
}

fn optimize_avtab(db: &mut PolicyDb, map: &TypeMap) {
    let index = key_index(&db.avtab);
    let mut live = vec![true; db.avtab.len()];
    for i in 0..db.avtab.len() {
        let e = db.avtab[i];
        let mut d1 = datum(db, &e);
        let redundant = covered_by_table(&e, &mut d1, db, &live, &index, map, true);
        let mut entry = e;
        store(db, &mut entry, d1);
        db.avtab[i] = entry;
        if redundant {
            live[i] = false;
        }
    }
    let mut keep = live.iter();
    db.avtab
        .retain(|_| *keep.next().expect("one flag per entry"));
}

/// `optimize_cond_av_list` over every branch; a node left with no rules goes.
fn optimize_conditionals(db: &mut PolicyDb, map: &TypeMap) {
    let index = key_index(&db.avtab);
    let live = vec![true; db.avtab.len()];
    let mut nodes = std::mem::take(&mut db.cond_list);
    for node in &mut nodes {
        for list in [&mut node.true_list, &mut node.false_list] {
            let mut taken = std::mem::take(list);
            optimize_branch(db, map, &index, &live, &mut taken);
            *list = taken;
        }
    }
    nodes.retain(|n| !n.true_list.is_empty() || !n.false_list.is_empty());
    db.cond_list = nodes;
}

fn optimize_branch(
    db: &mut PolicyDb,
    map: &TypeMap,
    index: &KeyIndex,
    live: &[bool],
    list: &mut Vec<AvtabEntry>,
) {
    // Rules on attributes (the possible covers) go to the end, in reverse order.
    let (mut with_attr, plain): (Vec<AvtabEntry>, Vec<AvtabEntry>) =
        list.drain(..).partition(|e| map.has_attribute(e));
    with_attr.reverse();
    let first_cover = plain.len();
    let mut entries: Vec<Option<AvtabEntry>> =
        plain.into_iter().chain(with_attr).map(Some).collect();
    for i in 0..entries.len() {
        let e = entries[i].expect("entries ahead are all present");
        let mut d1 = datum(db, &e);
        let mut redundant = covered_by_table(&e, &mut d1, db, live, index, map, false);
        if !redundant && e.key.specified & COVERABLE != 0 {
            let kind = e.key.specified & !avkind::ENABLED;
            for other in entries[first_cover..].iter().flatten() {
                let k = other.key;
                if k.specified & !avkind::ENABLED != kind || k.class != e.key.class {
                    continue;
                }
                if k.source == e.key.source && k.target == e.key.target {
                    continue;
                }
                let covers = |of: u16, by: u16| map.covers(of).binary_search(&by).is_ok();
                if !covers(e.key.source, k.source) || !covers(e.key.target, k.target) {
                    continue;
                }
                if take_covered(kind, &mut d1, &datum(db, other)) {
                    redundant = true;
                    break;
                }
            }
        }
        let mut entry = e;
        store(db, &mut entry, d1);
        entries[i] = (!redundant).then_some(entry);
    }
    *list = entries.into_iter().flatten().collect();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policydb::{AvtabKey, Target, Type};

    fn ty(name: &str, flavor: TypeFlavor) -> Type {
        Type {
            name: name.into(),
            flavor,
            bounds: None,
        }
    }

    fn allow(source: u16, target: u16, data: u32) -> AvtabEntry {
        AvtabEntry {
            key: AvtabKey {
                source,
                target,
                class: 1,
                specified: avkind::ALLOWED,
            },
            data,
        }
    }

    /// Types 1 and 2 in attribute 3: a rule on the attribute covers the types' rules,
    /// whole (removed) or in part (trimmed).
    #[test]
    fn attribute_rules_cover_type_rules() {
        let mut db = PolicyDb::new(Target::Selinux, false);
        db.types = vec![
            ty("a_t", TypeFlavor::Type),
            ty("b_t", TypeFlavor::Type),
            ty("both", TypeFlavor::Attribute),
        ];
        let map = |bits: &[u32]| bits.iter().copied().collect::<Ebitmap>();
        db.type_attr_map = vec![map(&[0, 2]), map(&[1, 2]), map(&[2])];
        db.avtab = vec![allow(1, 2, 0b011), allow(3, 3, 0b001), allow(2, 1, 0b100)];
        optimize(&mut db, 33).unwrap();
        assert_eq!(
            db.avtab,
            vec![allow(1, 2, 0b010), allow(3, 3, 0b001), allow(2, 1, 0b100)]
        );
        assert!(optimize(&mut db, 21).is_err());
    }
}
