//! libsepol's symbol hash tables, reduced to the one thing that reaches the output: the order
//! in which a table's entries are visited (binary-format.md §12).
//!
//! A table's buckets are visited in order and each bucket's chain is kept sorted by name
//! bytes, so iteration order is "sort by (bucket, name)". The bucket count is the table's
//! initial size doubled until it holds every entry.

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

/// libsepol's symbol-name hash: rotate left by 4 and xor each byte (as a signed char).
pub fn symhash(name: &[u8]) -> u32 {
    name.iter()
        .fold(0u32, |h, &b| h.rotate_left(4) ^ (b as i8 as i32 as u32))
}

/// The bucket count of a table that started at `initial` and now holds `n` entries.
pub fn table_size(initial: usize, n: usize) -> usize {
    let mut size = initial;
    while size < n {
        size *= 2;
    }
    size
}

/// The indices of `names` in the table's iteration order, for a table of `initial` buckets.
pub fn iteration_order<S: AsRef<[u8]>>(names: &[S], initial: usize) -> Vec<usize> {
    let mask = table_size(initial, names.len()) as u32 - 1;
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by(|&a, &b| {
        let (na, nb) = (names[a].as_ref(), names[b].as_ref());
        (symhash(na) & mask, na).cmp(&(symhash(nb) & mask, nb))
    });
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_the_documented_example() {
        let names = ["CLASS1", "CLASS2", "CLASS3", "dir", "file", "process"];
        let order: Vec<&str> = iteration_order(&names, initial_size::CLASSES)
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
