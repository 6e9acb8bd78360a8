//! libsepol's hash tables, reduced to the one thing that reaches the output: the order in
//! which a table's entries are visited (binary-format.md §5.3, §12). The compiler and the
//! binary writer both use these.
//!
//! A table's buckets are visited in order and each bucket's chain is kept sorted by name
//! bytes, so iteration order is "sort by (bucket, name)". The bucket count is the table's
//! initial size doubled until it holds every entry.

use super::{AvtabEntry, AvtabKey};

/// Initial bucket counts of the kernel and parse-time symbol tables (§4, §12).
pub mod initial_size {
    /// Commons.
    pub const COMMONS: usize = 2;
    /// Classes.
    pub const CLASSES: usize = 32;
    /// Roles (object_r and role attributes included).
    pub const ROLES: usize = 16;
    /// Types, attributes and aliases.
    pub const TYPES: usize = 512;
    /// Users.
    pub const USERS: usize = 128;
    /// Booleans (and tunables, at parse time).
    pub const BOOLS: usize = 16;
    /// Sensitivities.
    pub const SENS: usize = 16;
    /// Categories.
    pub const CATS: usize = 16;
    /// Permissions of a common or class.
    pub const PERMS: usize = 32;
}

/// libsepol's symbol-name hash (§12.1): rotate left by 4 and XOR in each byte, sign-extended.
pub fn symhash(name: &[u8]) -> u32 {
    name.iter()
        .fold(0u32, |h, &b| h.rotate_left(4) ^ (b as i8 as i32 as u32))
}

/// The final bucket count of a table that started with `initial` buckets and now holds
/// `entries` entries: it doubles whenever an insertion finds it full (§12, rule 3).
pub fn table_size(initial: usize, entries: usize) -> usize {
    let mut size = initial.max(1);
    while size < entries {
        size *= 2;
    }
    size
}

/// Sorts names into the iteration order of a symbol hash table of that many entries:
/// by bucket, then by name bytes within a bucket (§12). Returns indices into `names`.
pub fn hash_order<S: AsRef<str>>(names: &[S], initial: usize, entries: usize) -> Vec<usize> {
    let mask = table_size(initial, entries) as u32 - 1;
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by(|&a, &b| {
        let (na, nb) = (names[a].as_ref().as_bytes(), names[b].as_ref().as_bytes());
        (symhash(na) & mask, na).cmp(&(symhash(nb) & mask, nb))
    });
    order
}

/// The avtab bucket mask of every policy checkpolicy compiles: its table is allocated for
/// 2^21 rules, which gives the library maximum of 2^20 buckets (§5.3).
pub const AVTAB_COMPILE_MASK: u32 = 0xF_FFFF;

/// The bucket mask libsepol gives an avtab allocated for `nrules` entries (§5.3): the
/// bit length of `nrules` less two (when above two) as a power of two, at most 2^20.
/// The reader sizes its table this way from the file's `nel`.
pub fn avtab_mask(nrules: u32) -> u32 {
    if nrules == 0 {
        return 0;
    }
    let mut shift = 32 - nrules.leading_zeros();
    if shift > 2 {
        shift -= 2;
    }
    (1u32 << shift).min(1 << 20) - 1
}

/// libsepol's avtab bucket function (§5.3): a MurmurHash3-style mix of class, target and
/// source, reduced by `mask`.
pub fn avtab_hash(key: &AvtabKey, mask: u32) -> u32 {
    const C1: u32 = 0xCC9E_2D51;
    const C2: u32 = 0x1B87_3593;
    let mut h = 0u32;
    for w in [key.class, key.target, key.source] {
        let k = u32::from(w)
            .wrapping_mul(C1)
            .rotate_left(15)
            .wrapping_mul(C2);
        h = (h ^ k)
            .rotate_left(13)
            .wrapping_mul(5)
            .wrapping_add(0xE654_6B64);
    }
    h ^= h >> 16;
    h = h.wrapping_mul(0x85EB_CA6B);
    h ^= h >> 13;
    h = h.wrapping_mul(0xC2B2_AE35);
    h ^= h >> 16;
    h & mask
}

/// Puts avtab entries in the order libsepol's table of that mask iterates them: by bucket,
/// then (source, target, class), entries of one triple keeping their relative order
/// (§5.3). With [`AVTAB_COMPILE_MASK`] and creation order this is checkpolicy's compile
/// order; with [`avtab_mask`]`(nel)` and file order it is the order `checkpolicy -b`
/// re-writes a binary in.
pub fn sort_avtab(entries: &mut [AvtabEntry], mask: u32) {
    entries.sort_by_key(|e| {
        let k = &e.key;
        (avtab_hash(k, mask), k.source, k.target, k.class)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_the_documented_example() {
        let names = ["CLASS1", "CLASS2", "CLASS3", "dir", "file", "process"];
        let order: Vec<&str> = hash_order(&names, initial_size::CLASSES, names.len())
            .into_iter()
            .map(|i| names[i])
            .collect();
        assert_eq!(
            order,
            ["CLASS1", "CLASS2", "dir", "CLASS3", "process", "file"]
        );
    }

    #[test]
    fn tables_grow_by_doubling() {
        assert_eq!(table_size(512, 512), 512);
        assert_eq!(table_size(512, 513), 1024);
        assert_eq!(table_size(128, 150), 256);
        assert_eq!(table_size(16, 0), 16);
    }
}
