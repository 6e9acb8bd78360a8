//! Constants and pure functions of the kernel policy format shared by the reader and the
//! writer: magic, target strings, the compatibility table of versions, version gates, and
//! the symbol-table hash order (`../shared/docs/binary-format.md` §0.1, §1, §2, §12).

use crate::policydb::{avkind, AvtabEntry, AvtabKey, PolicyDb, Target};

/// The kernel policy magic (§1), for SELinux and Xen alike.
pub const MAGIC: u32 = 0xF97C_FF8C;

/// The lowest policy version that libsepol 3.4 reads or writes.
pub const MIN_VERSION: u32 = 15;
/// The highest policy version that libsepol 3.4 reads or writes.
pub const MAX_VERSION: u32 = 33;

/// The versions checkpolicy 3.4 can write for the Xen target (§0.1).
pub const XEN_VERSIONS: &[u32] = &[24, 30];

/// Config bit: the policy is MLS (§1).
pub const CONFIG_MLS: u32 = 0x1;
/// Config bits: the handle_unknown setting (§1).
pub const CONFIG_UNKNOWN_MASK: u32 = 0x6;

/// First version with the conditional list (§2).
pub const V_BOOL: u32 = 16;
/// First version with MLS fields in contexts, users and classes (validatetrans).
pub const V_MLS: u32 = 19;
/// First version with the avtab entry layout of §5.1 and the type_attr_map.
pub const V_AVTAB: u32 = 20;
/// First version with a class word in range transitions.
pub const V_RANGETRANS: u32 = 21;
/// First version with the policycaps ebitmap.
pub const V_POLCAP: u32 = 22;
/// First version with the permissive map.
pub const V_PERMISSIVE: u32 = 23;
/// First version with bounds words and type properties.
pub const V_BOUNDARY: u32 = 24;
/// First version with the filename_trans section.
pub const V_FILENAME_TRANS: u32 = 25;
/// First version with a class word in role transitions.
pub const V_ROLETRANS: u32 = 26;
/// First version with default_user/role/range in classes.
pub const V_NEW_OBJECT_DEFAULTS: u32 = 27;
/// First version with default_type in classes.
pub const V_DEFAULT_TYPE: u32 = 28;
/// First version with type sets in constraint NAMES nodes.
pub const V_CONSTRAINT_NAMES: u32 = 29;
/// First version with avtab xperms (SELinux) and 64-bit Xen IOMEM bounds.
pub const V_XPERMS_IOCTL: u32 = 30;
/// First version allowing `default_range glblub`.
pub const V_GLBLUB: u32 = 32;
/// First version with the compact filename_trans layout.
pub const V_COMPAT_FILENAME_TRANS: u32 = 33;

/// The string written after the magic for a target (§1).
pub fn target_string(target: Target) -> &'static [u8] {
    match target {
        Target::Selinux => b"SE Linux",
        Target::Xen => b"XenFlask",
    }
}

/// The header counts of one row of libsepol's compatibility table (§0.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compat {
    /// Number of symbol tables.
    pub sym_num: u32,
    /// Number of ocontext lists.
    pub ocon_num: u32,
}

/// The compatibility row for a (target, version) pair, or `None` when libsepol 3.4 has
/// no such row and so can neither read nor write that combination.
pub fn compat(target: Target, version: u32) -> Option<Compat> {
    let (sym_num, ocon_num) = match target {
        Target::Xen => match version {
            24 => (8, 5),
            30 => (8, 6),
            _ => return None,
        },
        Target::Selinux => {
            if !(MIN_VERSION..=MAX_VERSION).contains(&version) {
                return None;
            }
            let sym = match version {
                15 => 5,
                16..=18 => 6,
                _ => 8,
            };
            let ocon = match version {
                15 | 16 => 6,
                17..=30 => 7,
                _ => 9,
            };
            (sym, ocon)
        }
    };
    Some(Compat { sym_num, ocon_num })
}

/// The index of each symbol table, in the order they are written (§4).
pub mod sym {
    /// Commons.
    pub const COMMONS: usize = 0;
    /// Classes.
    pub const CLASSES: usize = 1;
    /// Roles.
    pub const ROLES: usize = 2;
    /// Types, attributes and aliases.
    pub const TYPES: usize = 3;
    /// Users.
    pub const USERS: usize = 4;
    /// Booleans.
    pub const BOOLS: usize = 5;
    /// Sensitivities.
    pub const SENS: usize = 6;
    /// Categories.
    pub const CATS: usize = 7;
    /// Initial hash-table sizes of the kernel policydb, by table index (§4, §12.1).
    pub const INITIAL_SIZES: [usize; 8] = [2, 32, 16, 512, 128, 16, 16, 16];
    /// Initial size of a common's or class's permission table.
    pub const PERM_TABLE_SIZE: usize = 32;
}

/// Constraint expression node kinds (§3.6).
pub mod cexpr {
    /// `not`
    pub const NOT: u32 = 1;
    /// `and`
    pub const AND: u32 = 2;
    /// `or`
    pub const OR: u32 = 3;
    /// A comparison of two context attributes.
    pub const ATTR: u32 = 4;
    /// A comparison of an attribute with a set of names.
    pub const NAMES: u32 = 5;
}

/// Xen ocontext list indices (§8.1).
pub mod xen_ocon {
    /// Initial SIDs.
    pub const ISID: usize = 0;
    /// Physical IRQs.
    pub const PIRQ: usize = 1;
    /// I/O port ranges.
    pub const IOPORT: usize = 2;
    /// I/O memory ranges.
    pub const IOMEM: usize = 3;
    /// PCI devices.
    pub const PCIDEVICE: usize = 4;
    /// Device-tree paths (version 30).
    pub const DEVICETREE: usize = 5;
}

/// SELinux ocontext list indices (§8.1).
pub mod selinux_ocon {
    /// Initial SIDs.
    pub const ISID: usize = 0;
    /// `fscon`.
    pub const FS: usize = 1;
    /// `portcon`.
    pub const PORT: usize = 2;
    /// `netifcon`.
    pub const NETIF: usize = 3;
    /// IPv4 `nodecon`.
    pub const NODE: usize = 4;
    /// `fs_use_*`.
    pub const FSUSE: usize = 5;
    /// IPv6 `nodecon`.
    pub const NODE6: usize = 6;
    /// `ibpkeycon`.
    pub const IBPKEY: usize = 7;
    /// `ibendportcon`.
    pub const IBENDPORT: usize = 8;
}

/// The value of the class named `process`, 0 when there is none: the class that role
/// transitions before V26 and range transitions before V21 implicitly apply to (§7.1, §9).
pub fn process_class(db: &PolicyDb) -> u32 {
    db.classes
        .iter()
        .position(|c| c.name == "process")
        .map_or(0, |i| i as u32 + 1)
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

/// The kinds an old-format (V < 20) avtab item may combine, in the order their data
/// words follow the key (§5.1); the item's flag word has bit 31 for "enabled".
pub const OLD_AVTAB_KINDS: [u16; 6] = [
    avkind::ALLOWED,
    avkind::AUDITDENY,
    avkind::AUDITALLOW,
    avkind::TRANSITION,
    avkind::CHANGE,
    avkind::MEMBER,
];

/// The "enabled" flag of an old-format avtab item.
pub const OLD_AVTAB_ENABLED: u32 = 0x8000_0000;

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
    fn symhash_matches_doc_example() {
        // §12.1: in a 32-bucket class table CLASS1 -> 1, CLASS2 and dir -> 2, process -> 3.
        let bucket = |s: &str| symhash(s.as_bytes()) & 31;
        assert_eq!(bucket("CLASS1"), 1);
        assert_eq!(bucket("CLASS2"), 2);
        assert_eq!(bucket("dir"), 2);
        assert_eq!(bucket("CLASS3"), 3);
        assert_eq!(bucket("process"), 3);
        assert_eq!(bucket("file"), 5);
        let names = ["file", "process", "CLASS3", "dir", "CLASS2", "CLASS1"];
        let order: Vec<&str> = hash_order(&names, 32, names.len())
            .into_iter()
            .map(|i| names[i])
            .collect();
        assert_eq!(
            order,
            ["CLASS1", "CLASS2", "dir", "CLASS3", "process", "file"]
        );
    }

    #[test]
    fn symhash_sign_extends_high_bytes() {
        assert_eq!(symhash(&[0x80]), 0xFFFF_FF80);
    }

    #[test]
    fn table_sizes_double_past_full() {
        assert_eq!(table_size(512, 512), 512);
        assert_eq!(table_size(512, 513), 1024);
        assert_eq!(table_size(512, 1161), 2048);
        assert_eq!(table_size(128, 150), 256);
        assert_eq!(table_size(16, 76), 128);
        assert_eq!(table_size(16, 20), 32);
        assert_eq!(table_size(16, 0), 16);
    }

    #[test]
    fn avtab_masks_follow_libsepol() {
        assert_eq!(avtab_mask(0), 0);
        assert_eq!(avtab_mask(1), 1);
        assert_eq!(avtab_mask(3), 3);
        assert_eq!(avtab_mask(4), 1);
        assert_eq!(avtab_mask(290), 127);
        assert_eq!(avtab_mask(1 << 21), AVTAB_COMPILE_MASK);
    }

    #[test]
    fn compat_rows() {
        assert_eq!(
            compat(Target::Xen, 24),
            Some(Compat {
                sym_num: 8,
                ocon_num: 5
            })
        );
        assert_eq!(
            compat(Target::Xen, 30),
            Some(Compat {
                sym_num: 8,
                ocon_num: 6
            })
        );
        assert_eq!(compat(Target::Xen, 33), None);
        assert_eq!(
            compat(Target::Selinux, 15),
            Some(Compat {
                sym_num: 5,
                ocon_num: 6
            })
        );
        assert_eq!(
            compat(Target::Selinux, 33),
            Some(Compat {
                sym_num: 8,
                ocon_num: 9
            })
        );
        assert_eq!(compat(Target::Selinux, 34), None);
    }
}
