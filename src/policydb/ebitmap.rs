//! A set of small non-negative integers, as policies store types, roles and categories.
//!
//! The binary encoding of an ebitmap is a pure function of its bits
//! (`../shared/docs/binary-format.md` §3.1), so a dense word vector with no trailing zero
//! words is a canonical form: two equal sets compare equal.

/// A bit set stored as 64-bit words, bit `i` of word `w` being element `64 * w + i`.
#[derive(Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Ebitmap {
    words: Vec<u64>,
}

impl Ebitmap {
    /// The empty set.
    pub fn new() -> Ebitmap {
        Ebitmap::default()
    }

    /// Adds `bit`.
    pub fn set(&mut self, bit: u32) {
        let w = (bit / 64) as usize;
        if w >= self.words.len() {
            self.words.resize(w + 1, 0);
        }
        self.words[w] |= 1 << (bit % 64);
    }

    /// Removes `bit`.
    pub fn clear(&mut self, bit: u32) {
        let w = (bit / 64) as usize;
        if let Some(word) = self.words.get_mut(w) {
            *word &= !(1 << (bit % 64));
            self.trim();
        }
    }

    /// Whether `bit` is in the set.
    pub fn get(&self, bit: u32) -> bool {
        self.words
            .get((bit / 64) as usize)
            .is_some_and(|w| w & (1 << (bit % 64)) != 0)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Elements in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.words.iter().enumerate().flat_map(|(i, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let b = w.trailing_zeros();
                w &= w - 1;
                Some(i as u32 * 64 + b)
            })
        })
    }

    /// Adds every element of `other`.
    pub fn union_with(&mut self, other: &Ebitmap) {
        if other.words.len() > self.words.len() {
            self.words.resize(other.words.len(), 0);
        }
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= b;
        }
    }

    /// Removes every element of `other`.
    pub fn subtract(&mut self, other: &Ebitmap) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= !b;
        }
        self.trim();
    }

    /// Whether every element of `self` is in `other`.
    pub fn is_subset(&self, other: &Ebitmap) -> bool {
        self.words
            .iter()
            .enumerate()
            .all(|(i, w)| w & !other.words.get(i).copied().unwrap_or(0) == 0)
    }

    /// The elements in both sets.
    pub fn intersection(&self, other: &Ebitmap) -> Ebitmap {
        let mut e = Ebitmap {
            words: self
                .words
                .iter()
                .zip(&other.words)
                .map(|(a, b)| a & b)
                .collect(),
        };
        e.trim();
        e
    }

    /// Whether the two sets share an element.
    pub fn intersects(&self, other: &Ebitmap) -> bool {
        self.words.iter().zip(&other.words).any(|(a, b)| a & b != 0)
    }

    /// The non-zero 64-bit windows as (start bit, map) pairs: the binary nodes.
    pub fn nodes(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        self.words
            .iter()
            .enumerate()
            .filter(|(_, &w)| w != 0)
            .map(|(i, &w)| (i as u32 * 64, w))
    }

    /// Sets a whole 64-bit window (for readers); `start` must be a multiple of 64.
    pub fn set_node(&mut self, start: u32, map: u64) {
        let w = (start / 64) as usize;
        if w >= self.words.len() {
            self.words.resize(w + 1, 0);
        }
        self.words[w] |= map;
        self.trim();
    }

    /// One past the highest element rounded up to 64 (the binary `highbit`), 0 when empty.
    pub fn highbit(&self) -> u32 {
        self.words.len() as u32 * 64
    }

    fn trim(&mut self) {
        while self.words.last() == Some(&0) {
            self.words.pop();
        }
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
    }
}
