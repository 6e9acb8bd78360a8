//! A set of small non-negative integers, as policies store types, roles and categories.
//!
//! The binary encoding of an ebitmap is a pure function of its bits
//! (`../shared/docs/binary-format.md` §3.1), so a sorted list of the non-zero 64-bit
//! windows is a canonical form: two equal sets compare equal. Only non-zero windows are
//! stored, so a set costs memory in proportion to the windows it touches, not to its
//! highest element: a policy with 60,000 types keeps one window per type's own
//! `type_attr_map` row instead of a row as long as the type count.

use std::cmp::Ordering;

/// A bit set stored as its non-zero 64-bit windows in ascending order: `(w, bits)` holds
/// element `64 * w + i` for each bit `i` set in `bits`.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Ebitmap {
    nodes: Vec<(u32, u64)>,
}

impl Ebitmap {
    /// The empty set.
    pub fn new() -> Ebitmap {
        Ebitmap::default()
    }

    /// The position of window `w` in `nodes`, or where it would be inserted.
    fn find(&self, w: u32) -> Result<usize, usize> {
        match self.nodes.last() {
            // Sets are mostly built in ascending order: the common case is an append.
            Some(&(last, _)) if last < w => Err(self.nodes.len()),
            Some(&(last, _)) if last == w => Ok(self.nodes.len() - 1),
            None => Err(0),
            _ => self.nodes.binary_search_by_key(&w, |&(n, _)| n),
        }
    }

    /// Adds `bit`.
    pub fn set(&mut self, bit: u32) {
        self.set_node(bit / 64 * 64, 1 << (bit % 64));
    }

    /// Removes `bit`.
    pub fn clear(&mut self, bit: u32) {
        if let Ok(i) = self.find(bit / 64) {
            self.nodes[i].1 &= !(1 << (bit % 64));
            if self.nodes[i].1 == 0 {
                self.nodes.remove(i);
            }
        }
    }

    /// Whether `bit` is in the set.
    pub fn get(&self, bit: u32) -> bool {
        self.find(bit / 64)
            .is_ok_and(|i| self.nodes[i].1 & (1 << (bit % 64)) != 0)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.nodes
            .iter()
            .map(|(_, w)| w.count_ones() as usize)
            .sum()
    }

    /// Elements in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.nodes.iter().flat_map(|&(i, w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let b = w.trailing_zeros();
                w &= w - 1;
                Some(i * 64 + b)
            })
        })
    }

    /// The windows of both sets side by side, in ascending order, with 0 where a set has
    /// no window.
    fn zip<'a>(&'a self, other: &'a Ebitmap) -> impl Iterator<Item = (u32, u64, u64)> + 'a {
        let (mut a, mut b) = (self.nodes.iter().peekable(), other.nodes.iter().peekable());
        std::iter::from_fn(move || match (a.peek(), b.peek()) {
            (Some(&&(i, x)), Some(&&(j, y))) => Some(match i.cmp(&j) {
                Ordering::Less => {
                    a.next();
                    (i, x, 0)
                }
                Ordering::Greater => {
                    b.next();
                    (j, 0, y)
                }
                Ordering::Equal => {
                    a.next();
                    b.next();
                    (i, x, y)
                }
            }),
            (Some(&&(i, x)), None) => {
                a.next();
                Some((i, x, 0))
            }
            (None, Some(&&(j, y))) => {
                b.next();
                Some((j, 0, y))
            }
            (None, None) => None,
        })
    }

    /// The set whose windows are `f` of the two sets' windows (`f(0, 0)` must be 0).
    fn combine(&self, other: &Ebitmap, f: impl Fn(u64, u64) -> u64) -> Ebitmap {
        Ebitmap {
            nodes: self
                .zip(other)
                .map(|(i, x, y)| (i, f(x, y)))
                .filter(|&(_, w)| w != 0)
                .collect(),
        }
    }

    /// Adds every element of `other`.
    pub fn union_with(&mut self, other: &Ebitmap) {
        if other.nodes.is_empty() {
            return;
        }
        if self.nodes.is_empty() {
            self.nodes.clone_from(&other.nodes);
            return;
        }
        // The common case: the same windows or fewer (attribute members added to a set
        // that already spans them) updates in place.
        let mut i = 0;
        let mut in_place = true;
        for &(w, bits) in &other.nodes {
            while i < self.nodes.len() && self.nodes[i].0 < w {
                i += 1;
            }
            if i < self.nodes.len() && self.nodes[i].0 == w {
                self.nodes[i].1 |= bits;
            } else {
                in_place = false;
                break;
            }
        }
        if !in_place {
            *self = self.combine(other, |x, y| x | y);
        }
    }

    /// Removes every element of `other`.
    pub fn subtract(&mut self, other: &Ebitmap) {
        *self = self.combine(other, |x, y| x & !y);
    }

    /// Whether every element of `self` is in `other`.
    pub fn is_subset(&self, other: &Ebitmap) -> bool {
        self.zip(other).all(|(_, x, y)| x & !y == 0)
    }

    /// The elements in both sets.
    pub fn intersection(&self, other: &Ebitmap) -> Ebitmap {
        self.combine(other, |x, y| x & y)
    }

    /// Whether the two sets share an element.
    pub fn intersects(&self, other: &Ebitmap) -> bool {
        self.zip(other).any(|(_, x, y)| x & y != 0)
    }

    /// The non-zero 64-bit windows as (start bit, map) pairs: the binary nodes.
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = (u32, u64)> + '_ {
        self.nodes.iter().map(|&(i, w)| (i * 64, w))
    }

    /// Adds the bits of a whole 64-bit window; `start` must be a multiple of 64.
    pub fn set_node(&mut self, start: u32, map: u64) {
        if map == 0 {
            return;
        }
        match self.find(start / 64) {
            Ok(i) => self.nodes[i].1 |= map,
            Err(i) => {
                // Most sets (a type's own attribute row, a role's types) hold one window:
                // allocate exactly one rather than the vector's first growth to four.
                if self.nodes.is_empty() {
                    self.nodes.reserve_exact(1);
                }
                self.nodes.insert(i, (start / 64, map))
            }
        }
    }

    /// One past the highest element rounded up to 64 (the binary `highbit`), 0 when empty.
    pub fn highbit(&self) -> u32 {
        self.nodes.last().map_or(0, |&(i, _)| (i + 1) * 64)
    }
}

/// The order of the sets' words read as a dense vector from element 0 (lexicographic
/// over the windows, a shorter vector first), which sorted outputs rely on.
impl Ord for Ebitmap {
    fn cmp(&self, other: &Ebitmap) -> Ordering {
        let (la, lb) = (self.highbit(), other.highbit());
        for (i, x, y) in self.zip(other) {
            if i * 64 >= la.min(lb) {
                break;
            }
            if x != y {
                return x.cmp(&y);
            }
        }
        la.cmp(&lb)
    }
}

impl PartialOrd for Ebitmap {
    fn partial_cmp(&self, other: &Ebitmap) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl FromIterator<u32> for Ebitmap {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> Ebitmap {
        let mut e = Ebitmap::new();
        for b in iter {
            e.set(b);
        }
        e
    }
}

impl std::fmt::Debug for Ebitmap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_after_clear() {
        let mut a: Ebitmap = [1, 70, 200].into_iter().collect();
        a.clear(200);
        let b: Ebitmap = [1, 70].into_iter().collect();
        assert_eq!(a, b);
        assert_eq!(a.highbit(), 128);
        assert_eq!(a.iter().collect::<Vec<_>>(), vec![1, 70]);
        assert_eq!(a.nodes().count(), 2);
    }

    #[test]
    fn set_operations() {
        let mut a: Ebitmap = [1, 2, 3].into_iter().collect();
        let b: Ebitmap = [2, 100].into_iter().collect();
        a.union_with(&b);
        assert_eq!(a.len(), 4);
        a.subtract(&b);
        assert_eq!(a.iter().collect::<Vec<_>>(), vec![1, 3]);
        assert!(!b.is_subset(&a));
        assert!(Ebitmap::new().is_subset(&a));
        assert_eq!(a.intersection(&[3, 500].into_iter().collect()).len(), 1);
        assert!(!a.intersects(&b));
        a.union_with(&[3].into_iter().collect());
        assert_eq!(a.iter().collect::<Vec<_>>(), vec![1, 3]);
    }

    #[test]
    fn order_is_that_of_dense_words() {
        let set = |v: &[u32]| v.iter().copied().collect::<Ebitmap>();
        let dense = |e: &Ebitmap| {
            let mut w = vec![0u64; e.highbit() as usize / 64];
            for b in e.iter() {
                w[b as usize / 64] |= 1 << (b % 64);
            }
            w
        };
        let sets = [
            set(&[]),
            set(&[0]),
            set(&[1]),
            set(&[64]),
            set(&[0, 64]),
            set(&[0, 200]),
            set(&[1, 130]),
            set(&[130]),
        ];
        for a in &sets {
            for b in &sets {
                assert_eq!(a.cmp(b), dense(a).cmp(&dense(b)), "{a:?} {b:?}");
            }
        }
    }
}
