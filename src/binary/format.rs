//! Constants and pure functions of the kernel policy format shared by the reader and the
//! writer: magic, target strings, the compatibility table of versions, version gates, and
//! the symbol-table hash order (`../shared/docs/binary-format.md` §0.1, §1, §2, §12).

use crate::policydb::{avkind, ClassId, PolicyDb, Target};

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
    use crate::policydb::hashtab::initial_size as size;
    /// Initial hash-table sizes of the kernel policydb, by table index (§4, §12.1).
    pub const INITIAL_SIZES: [usize; 8] = [
        size::COMMONS,
        size::CLASSES,
        size::ROLES,
        size::TYPES,
        size::USERS,
        size::BOOLS,
        size::SENS,
        size::CATS,
    ];
    /// Initial size of a common's or class's permission table.
    pub const PERM_TABLE_SIZE: usize = size::PERMS;
}

/// The class named `process`, if any: the class that role
/// transitions before V26 and range transitions before V21 implicitly apply to (§7.1, §9).
pub fn process_class(db: &PolicyDb) -> Option<ClassId> {
    db.classes
        .iter()
        .position(|c| c.name == "process")
        .and_then(ClassId::from_index)
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

pub use crate::policydb::hashtab::{
    avtab_hash, avtab_mask, hash_order, sort_avtab, symhash, table_size, AVTAB_COMPILE_MASK,
};

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
