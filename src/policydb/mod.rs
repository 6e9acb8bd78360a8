//! The policy database: what a kernel (Xen or SELinux) binary policy holds, with resolved
//! values only.
//!
//! Both the compiler (`sema::lower`) and the binary reader (`binary::read`) produce a
//! [`PolicyDb`]; the binary writer, the dumps and the query tools consume it. It knows
//! nothing of source text.
//!
//! **Conventions.** Symbols are stored in *value order*: element `i` of a table has value
//! `i + 1`. Bitmaps over symbols use bit `value - 1` (except [`PolicyDb::permissive`], which
//! uses bit `value`, as the format does). Symbol tables are written in hash order, which
//! the writer computes from the names; every other list (avtab, conditionals, role
//! transitions, ocontexts ...) is stored in the order it is written, so that reading a file
//! and writing it back gives the same bytes, and the compiler decides those orders.
#![warn(missing_docs)]

pub mod cexpr;
mod ebitmap;
pub mod hashtab;
mod ids;
pub mod limits;
pub mod names;
mod ocon;
pub mod optimize;

pub use ebitmap::Ebitmap;
pub use ids::{
    to_u16, BoolId, CatId, ClassId, RoleId, SensId, SymbolId, TypeId, UserId, WidthError,
};
pub use names::Names;
pub use ocon::{SelinuxOcon, XenOcon, ISID_LIST};

/// Which hypervisor or kernel the policy is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// The SELinux kernel ("SE Linux").
    Selinux,
    /// The Xen hypervisor ("XenFlask").
    Xen,
}

/// What the kernel does with classes and permissions the policy does not define.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HandleUnknown {
    /// Deny them (config bits 0).
    #[default]
    Deny,
    /// Refuse to load the policy (config bit value 2).
    Reject,
    /// Allow them (config bit value 4).
    Allow,
}

/// A permission-set common (`common NAME { ... }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Common {
    /// Its name.
    pub name: String,
    /// Permission names; element `i` has value `i + 1`.
    pub perms: Vec<String>,
}

/// A node of a constraint expression in postfix order (binary-format.md §3.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CExprNode {
    /// 1 NOT, 2 AND, 3 OR, 4 ATTR, 5 NAMES.
    pub kind: u32,
    /// Operand flags (user 1, role 2, type 4, target 8, xtarget 16, MLS pairs 32..1024).
    pub attr: u32,
    /// 1 eq, 2 neq, 3 dom, 4 domby, 5 incomp; 0 for NOT/AND/OR.
    pub op: u32,
    /// For NAMES: the expanded names (bit = value - 1).
    pub names: Ebitmap,
    /// For NAMES at version 29 and later: the type set as written (empty for users and roles).
    pub type_set: TypeSet,
}

/// An unexpanded type set, as constraints keep it from version 29 on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TypeSet {
    /// Named types and attributes (bit = value - 1).
    pub types: Ebitmap,
    /// Negated names.
    pub negset: Ebitmap,
    /// 1 for `*`, 2 for `~`.
    pub flags: u32,
}

/// A `constrain` or `validatetrans` rule of a class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    /// Permission bits it applies to (0 for validatetrans).
    pub perms: u32,
    /// The expression in postfix order.
    pub expr: Vec<CExprNode>,
}

/// An object class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    /// Its name.
    pub name: String,
    /// The inherited common's name.
    pub common: Option<String>,
    /// Own permissions; element `i` has value `common_perms + i + 1`.
    pub perms: Vec<String>,
    /// Constraints in declaration order.
    pub constraints: Vec<Constraint>,
    /// Validatetrans rules in declaration order.
    pub validatetrans: Vec<Constraint>,
    /// default_user: 0 none, 1 source, 2 target.
    pub default_user: u32,
    /// default_role: 0 none, 1 source, 2 target.
    pub default_role: u32,
    /// default_range: 0 none, 1..6 source/target low/high/low-high, 7 glblub.
    pub default_range: u32,
    /// default_type: 0 none, 1 source, 2 target.
    pub default_type: u32,
}

/// A role or role attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Its name.
    pub name: String,
    /// Whether this is an `attribute_role` (takes a value, is never written).
    pub attribute: bool,
    /// The bounding role.
    pub bounds: Option<RoleId>,
    /// Roles it dominates (bit = value - 1).
    pub dominates: Ebitmap,
    /// Types it may take (bit = value - 1, attributes expanded).
    pub types: Ebitmap,
}

/// Whether a type value is a type or an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeFlavor {
    /// A real type.
    Type,
    /// A type attribute.
    Attribute,
}

/// A type or type attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Type {
    /// Its name.
    pub name: String,
    /// Type or attribute.
    pub flavor: TypeFlavor,
    /// The bounding type.
    pub bounds: Option<TypeId>,
}

/// A type alias: a second name for a type value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeAlias {
    /// The alias.
    pub name: String,
    /// The aliased type.
    pub target: TypeId,
}

/// An MLS level.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Level {
    /// Sensitivity value (0 in non-MLS policies).
    pub sens: u32,
    /// Categories (bit = value - 1).
    pub cats: Ebitmap,
}

/// An MLS range.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Range {
    /// The low level.
    pub low: Level,
    /// The high level.
    pub high: Level,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Its name.
    pub name: String,
    /// The bounding user.
    pub bounds: Option<UserId>,
    /// Roles it may take (bit = value - 1, role attributes expanded).
    pub roles: Ebitmap,
    /// Its MLS range (zero in non-MLS policies).
    pub range: Range,
    /// Its default level (zero in non-MLS policies).
    pub dflt_level: Level,
}

/// A conditional boolean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bool {
    /// Its name.
    pub name: String,
    /// Its default state.
    pub state: bool,
}

/// A sensitivity record (aliases have records of their own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sensitivity {
    /// Its name.
    pub name: String,
    /// Whether this record is an alias.
    pub alias: bool,
    /// Its value (`level.sens`) and the categories allowed with it.
    pub level: Level,
}

/// A category record (aliases have records of their own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// Its name.
    pub name: String,
    /// Its value (an alias has its target's).
    pub value: u32,
    /// Whether this record is an alias.
    pub alias: bool,
}

/// The `specified` bits of an avtab key.
pub mod avkind {
    /// `allow`
    pub const ALLOWED: u16 = 0x0001;
    /// `auditallow`
    pub const AUDITALLOW: u16 = 0x0002;
    /// `dontaudit` / `auditdeny`
    pub const AUDITDENY: u16 = 0x0004;
    /// `type_transition`
    pub const TRANSITION: u16 = 0x0010;
    /// `type_member`
    pub const MEMBER: u16 = 0x0020;
    /// `type_change`
    pub const CHANGE: u16 = 0x0040;
    /// `allowxperm`
    pub const XPERMS_ALLOWED: u16 = 0x0100;
    /// `auditallowxperm`
    pub const XPERMS_AUDITALLOW: u16 = 0x0200;
    /// `dontauditxperm`
    pub const XPERMS_DONTAUDIT: u16 = 0x0400;
    /// Set on conditional entries whose branch is active.
    pub const ENABLED: u16 = 0x8000;
    /// The type-rule kinds.
    pub const TYPE_RULES: u16 = TRANSITION | MEMBER | CHANGE;
    /// The extended-permission kinds.
    pub const XPERMS: u16 = XPERMS_ALLOWED | XPERMS_AUDITALLOW | XPERMS_DONTAUDIT;
}

/// The key of an access vector table entry, with its values as the file holds them:
/// 16 bits each (build one with [`AvtabKey::new`], the checked narrowing).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, bytemuck::Pod, bytemuck::Zeroable,
)]
#[repr(C)]
pub struct AvtabKey {
    /// Source type or attribute value.
    pub source: u16,
    /// Target type or attribute value.
    pub target: u16,
    /// Class value.
    pub class: u16,
    /// One kind bit of [`avkind`], plus [`avkind::ENABLED`] in conditional lists.
    pub specified: u16,
}

impl AvtabKey {
    /// A key for (source, target, class) and a kind.
    ///
    /// # Errors
    /// [`WidthError`] when a value does not fit the key's 16 bits.
    pub fn new(
        source: TypeId,
        target: TypeId,
        class: ClassId,
        specified: u16,
    ) -> Result<AvtabKey, WidthError> {
        Ok(AvtabKey {
            source: source.to_u16()?,
            target: target.to_u16()?,
            class: class.to_u16()?,
            specified,
        })
    }

    /// The source type (`None` for the 0 a malformed key may hold).
    pub fn source_id(&self) -> Option<TypeId> {
        TypeId::from_value(self.source.into())
    }

    /// The target type.
    pub fn target_id(&self) -> Option<TypeId> {
        TypeId::from_value(self.target.into())
    }

    /// The class.
    pub fn class_id(&self) -> Option<ClassId> {
        ClassId::from_value(self.class.into())
    }
}

/// The extended permissions of an xperm entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Xperms {
    /// 1 ioctl function (driver is fixed), 2 ioctl driver.
    pub specified: u8,
    /// The driver (high byte of the ioctl number).
    pub driver: u8,
    /// 256 bits of permissions.
    pub perms: [u32; 8],
}

/// One access vector table entry: 12 bytes, since large policies hold tens of millions.
/// Laid out as the file holds it (on a little-endian machine), and plain data, so that a
/// table of millions can be allocated zeroed (untouched until filled) and written as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct AvtabEntry {
    /// Its key.
    pub key: AvtabKey,
    /// Permission bits, the new type's value for type rules, or for the extended-permission
    /// kinds ([`avkind::XPERMS`]) an index into [`PolicyDb::xperms`].
    pub data: u32,
}

/// What an item of a conditional expression is: libsepol's `COND_*` codes
/// (binary-format.md §6.1), the discriminants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CondOp {
    /// A boolean operand.
    Bool = 1,
    /// `!`.
    Not = 2,
    /// `||`.
    Or = 3,
    /// `&&`.
    And = 4,
    /// `^`.
    Xor = 5,
    /// `==`.
    Eq = 6,
    /// `!=`.
    Neq = 7,
}

impl CondOp {
    /// Every kind, in code order.
    pub const ALL: [CondOp; 7] = [
        CondOp::Bool,
        CondOp::Not,
        CondOp::Or,
        CondOp::And,
        CondOp::Xor,
        CondOp::Eq,
        CondOp::Neq,
    ];

    /// The code the format stores.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The kind of a stored code; `None` for a code libsepol does not define.
    pub fn from_code(code: u32) -> Option<CondOp> {
        CondOp::ALL.into_iter().find(|k| k.code() == code)
    }

    /// How many operands it takes from the stack: 0 for a boolean, 1 for `!`, else 2.
    pub fn arity(self) -> usize {
        match self {
            CondOp::Bool => 0,
            CondOp::Not => 1,
            _ => 2,
        }
    }

    /// Applies a binary operator (`None` for [`CondOp::Bool`] and [`CondOp::Not`]).
    pub fn apply(self, a: bool, b: bool) -> Option<bool> {
        match self {
            CondOp::Or => Some(a || b),
            CondOp::And => Some(a && b),
            CondOp::Xor | CondOp::Neq => Some(a != b),
            CondOp::Eq => Some(a == b),
            CondOp::Bool | CondOp::Not => None,
        }
    }
}

/// One item of a conditional expression in postfix order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CondExprItem {
    /// What it is.
    pub kind: CondOp,
    /// The boolean's value for BOOL, 0 otherwise.
    pub bool_value: u32,
}

/// A conditional node: an expression with the rules of its two branches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CondNode {
    /// The expression evaluated with the booleans' default states.
    pub cur_state: bool,
    /// The expression in postfix order.
    pub expr: Vec<CondExprItem>,
    /// Entries active when the expression is true.
    pub true_list: Vec<AvtabEntry>,
    /// Entries active when the expression is false.
    pub false_list: Vec<AvtabEntry>,
}

/// A role transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RoleTrans {
    /// The current role.
    pub role: RoleId,
    /// The type.
    pub ty: TypeId,
    /// The new role.
    pub new_role: RoleId,
    /// The class (written from version 26; before, the `process` class, `None` in a
    /// policy without one).
    pub class: Option<ClassId>,
}

/// A role allow rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RoleAllow {
    /// From role.
    pub role: RoleId,
    /// To role.
    pub new_role: RoleId,
}

/// A named type transition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FilenameTrans {
    /// Source type.
    pub stype: TypeId,
    /// Target type.
    pub ttype: TypeId,
    /// Class.
    pub tclass: ClassId,
    /// The object name.
    pub name: String,
    /// The new type.
    pub otype: TypeId,
}

/// A security context with values.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Context {
    /// User value.
    pub user: u32,
    /// Role value.
    pub role: u32,
    /// Type value.
    pub ty: u32,
    /// MLS range (zero in non-MLS policies).
    pub range: Range,
}

/// An object context record; which variants may appear depends on the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OContext {
    /// Initial SID (both targets, list 0).
    Isid {
        /// The SID number.
        sid: u32,
        /// Its context.
        context: Context,
    },
    /// Xen physical IRQ.
    Pirq {
        /// The IRQ number.
        pirq: u32,
        /// Its context.
        context: Context,
    },
    /// Xen I/O port range.
    Ioport {
        /// Low port.
        low: u32,
        /// High port.
        high: u32,
        /// Its context.
        context: Context,
    },
    /// Xen I/O memory range (page frames).
    Iomem {
        /// Low frame.
        low: u64,
        /// High frame.
        high: u64,
        /// Its context.
        context: Context,
    },
    /// Xen PCI device.
    Pcidevice {
        /// The device number.
        device: u32,
        /// Its context.
        context: Context,
    },
    /// Xen device-tree path.
    Devicetree {
        /// The path.
        path: String,
        /// Its context.
        context: Context,
    },
    /// SELinux `fscon`.
    Fs {
        /// File system name.
        name: String,
        /// First context.
        context: Context,
        /// Second context.
        context2: Context,
    },
    /// SELinux `portcon`.
    Port {
        /// Protocol number (see [`Protocol`]; a file may hold any).
        protocol: u32,
        /// Low port.
        low: u32,
        /// High port.
        high: u32,
        /// Its context.
        context: Context,
    },
    /// SELinux `netifcon`.
    Netif {
        /// Interface name.
        name: String,
        /// Interface context.
        context: Context,
        /// Message context.
        context2: Context,
    },
    /// SELinux IPv4 `nodecon` (address and mask as stored: network byte order words).
    Node {
        /// Address.
        addr: u32,
        /// Mask.
        mask: u32,
        /// Its context.
        context: Context,
    },
    /// SELinux `fs_use_*`.
    FsUse {
        /// How the file system labels its files.
        behavior: FsUseBehavior,
        /// File system name.
        name: String,
        /// Its context.
        context: Context,
    },
    /// SELinux IPv6 `nodecon`.
    Node6 {
        /// Address words as stored.
        addr: [u32; 4],
        /// Mask words as stored.
        mask: [u32; 4],
        /// Its context.
        context: Context,
    },
    /// SELinux `ibpkeycon`.
    Ibpkey {
        /// Subnet prefix as stored.
        subnet_prefix: u64,
        /// Low pkey.
        low: u32,
        /// High pkey.
        high: u32,
        /// Its context.
        context: Context,
    },
    /// SELinux `ibendportcon`.
    Ibendport {
        /// Device name.
        name: String,
        /// Port.
        port: u32,
        /// Its context.
        context: Context,
    },
}

/// The IP protocols `portcon` names, with their numbers (IANA's, as libsepol stores them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// `tcp`.
    Tcp = 6,
    /// `udp`.
    Udp = 17,
    /// `dccp`.
    Dccp = 33,
    /// `sctp`.
    Sctp = 132,
}

impl Protocol {
    /// Every protocol, in number order.
    pub const ALL: [Protocol; 4] = [Self::Tcp, Self::Udp, Self::Dccp, Self::Sctp];

    /// The number the format stores.
    pub fn number(self) -> u32 {
        self as u32
    }

    /// The protocol of a stored number.
    pub fn from_number(n: u32) -> Option<Protocol> {
        Self::ALL.into_iter().find(|p| p.number() == n)
    }

    /// Its name in `portcon`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Udp => "udp",
            Self::Dccp => "dccp",
            Self::Sctp => "sctp",
        }
    }
}

/// How an `fs_use_*` file system labels its files: libsepol's `SECURITY_FS_USE_*` codes
/// (binary-format.md §8), the discriminants, in code order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FsUseBehavior {
    /// `fs_use_xattr`: from extended attributes.
    Xattr = 1,
    /// `fs_use_trans`: from the creating process, by type transitions.
    Trans = 2,
    /// `fs_use_task`: from the creating task.
    Task = 3,
}

impl FsUseBehavior {
    /// The code the format stores.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The behavior of a stored code; `None` for a code libsepol does not define.
    pub fn from_code(code: u32) -> Option<FsUseBehavior> {
        [Self::Xattr, Self::Trans, Self::Task]
            .into_iter()
            .find(|b| b.code() == code)
    }

    /// Its name in statements (`fs_use_xattr`, CIL's `(fsuse xattr ...)`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Xattr => "xattr",
            Self::Trans => "trans",
            Self::Task => "task",
        }
    }
}

/// One `genfscon` path of a file system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenfsEntry {
    /// The path prefix.
    pub path: String,
    /// The file class (0 for any).
    pub sclass: u32,
    /// Its context.
    pub context: Context,
}

/// The `genfscon` statements of one file system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Genfs {
    /// The file system type.
    pub fstype: String,
    /// Its paths, in written order.
    pub entries: Vec<GenfsEntry>,
}

/// A range transition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RangeTrans {
    /// Source type.
    pub source: TypeId,
    /// Target type.
    pub target: TypeId,
    /// Class (written from version 21; before, the `process` class, `None` in a policy
    /// without one).
    pub class: Option<ClassId>,
    /// The new range.
    pub range: Range,
}

/// A whole kernel policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDb {
    /// Xen or SELinux.
    pub target: Target,
    /// Whether this is an MLS policy.
    pub mls: bool,
    /// The unknown-permission behaviour.
    pub handle_unknown: HandleUnknown,
    /// Policy capabilities (bit = capability number).
    pub policycaps: Ebitmap,
    /// Permissive types (bit = type value).
    pub permissive: Ebitmap,
    /// Commons by value.
    pub commons: Vec<Common>,
    /// Classes by value.
    pub classes: Vec<Class>,
    /// Roles by value; `None` is a value without a record (a role attribute read from a
    /// binary). Value 1 is `object_r`.
    pub roles: Vec<Option<Role>>,
    /// Types and attributes by value.
    pub types: Vec<Type>,
    /// Type aliases.
    pub aliases: Vec<TypeAlias>,
    /// Users by value.
    pub users: Vec<User>,
    /// Booleans by value.
    pub bools: Vec<Bool>,
    /// Sensitivity records, aliases included, in no particular order.
    pub sens: Vec<Sensitivity>,
    /// Category records, aliases included, in no particular order.
    pub cats: Vec<Category>,
    /// The unconditional access vector table, in written order.
    pub avtab: Vec<AvtabEntry>,
    /// Extended permissions of the xperm entries of the avtab, indexed by their `data`.
    pub xperms: Vec<Xperms>,
    /// Conditional nodes, in written order.
    pub cond_list: Vec<CondNode>,
    /// Role transitions, in written order.
    pub role_trans: Vec<RoleTrans>,
    /// Role allow rules, in written order.
    pub role_allow: Vec<RoleAllow>,
    /// Named type transitions, in written order.
    pub filename_trans: Vec<FilenameTrans>,
    /// Object context lists, one per ocontext kind of the target, in written order.
    pub ocontexts: Vec<Vec<OContext>>,
    /// genfs entries, in written order.
    pub genfs: Vec<Genfs>,
    /// Range transitions, in written order.
    pub range_trans: Vec<RangeTrans>,
    /// For each type value, the attributes it belongs to and itself (bit = value - 1).
    pub type_attr_map: Vec<Ebitmap>,
    /// How many names libsepol's role hash table holds, where that is not one per role
    /// slot: a policy libsepol loads from a file knows its roles but not the role
    /// attributes whose values they leave unused, and the table's size (so the order it
    /// writes the roles in) follows. `None`: one per slot, as when compiling.
    pub hashed_roles: Option<usize>,
}

impl PolicyDb {
    /// An empty policy for a target.
    pub fn new(target: Target, mls: bool) -> PolicyDb {
        PolicyDb {
            target,
            mls,
            handle_unknown: HandleUnknown::Deny,
            policycaps: Ebitmap::new(),
            permissive: Ebitmap::new(),
            commons: Vec::new(),
            classes: Vec::new(),
            roles: Vec::new(),
            types: Vec::new(),
            aliases: Vec::new(),
            users: Vec::new(),
            bools: Vec::new(),
            sens: Vec::new(),
            cats: Vec::new(),
            avtab: Vec::new(),
            xperms: Vec::new(),
            cond_list: Vec::new(),
            role_trans: Vec::new(),
            role_allow: Vec::new(),
            filename_trans: Vec::new(),
            ocontexts: Vec::new(),
            genfs: Vec::new(),
            range_trans: Vec::new(),
            type_attr_map: Vec::new(),
            hashed_roles: None,
        }
    }
}

impl PolicyDb {
    /// A type's attributes and itself (bit = value - 1): its `type_attr_map` row, with
    /// itself set even where a binary's row leaves it out.
    pub fn type_attrs(&self, ty: u32) -> Ebitmap {
        let i = ty.saturating_sub(1);
        let mut m = self
            .type_attr_map
            .get(i as usize)
            .cloned()
            .unwrap_or_default();
        m.set(i);
        m
    }

    /// What each type value stands for in rules (index and bit = value - 1): for an
    /// attribute, the other values whose `type_attr_map` row names it (libsepol's
    /// `attr_type_map`, which the dumps print); for a type, also itself.
    pub fn type_expansions(&self) -> Vec<Ebitmap> {
        let mut out = vec![Ebitmap::new(); self.types.len()];
        for (i, t) in self.types.iter().enumerate() {
            let v = i as u32;
            if t.flavor == TypeFlavor::Type {
                out[i].set(v);
            }
            for a in self
                .type_attr_map
                .get(i)
                .into_iter()
                .flat_map(Ebitmap::iter)
            {
                if a != v {
                    if let Some(set) = out.get_mut(a as usize) {
                        set.set(v);
                    }
                }
            }
        }
        out
    }

    /// Sorts the object-context lists as `checkpolicy -S` does ([`ocontext_cmp`]).
    pub fn sort_ocontexts(&mut self) {
        for list in &mut self.ocontexts {
            list.sort_by(ocontext_cmp);
        }
    }

    /// Sorts the lists whose order a binary file does not keep (they are written in
    /// hash order): type aliases by name, sensitivity records by (value, alias, name) and
    /// category records likewise. `binary::read` returns them in this order, so a policy
    /// canonicalized before writing compares equal to the policy read back.
    pub fn canonicalize(&mut self) {
        self.aliases.sort_by(|a, b| a.name.cmp(&b.name));
        self.sens.sort_by(|a, b| {
            (a.level.sens, a.alias, &a.name).cmp(&(b.level.sens, b.alias, &b.name))
        });
        self.cats
            .sort_by(|a, b| (a.value, a.alias, &a.name).cmp(&(b.value, b.alias, &b.name)));
    }
}

/// `compare_ranges`: by width, then by low bound.
fn cmp_ranges(l1: u64, h1: u64, l2: u64, h2: u64) -> std::cmp::Ordering {
    h1.wrapping_sub(l1)
        .cmp(&h2.wrapping_sub(l2))
        .then(l1.cmp(&l2))
}

/// libsepol's `sort_ocontexts` order of two entries of one object-context list (the
/// same for `checkpolicy -S` and the dumps); entries it does not sort compare equal, and
/// the sort is stable, as glibc's `qsort` is on these sizes.
pub fn ocontext_cmp(a: &OContext, b: &OContext) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    use OContext as O;
    match (a, b) {
        (
            O::FsUse {
                behavior: b1,
                name: n1,
                ..
            },
            O::FsUse {
                behavior: b2,
                name: n2,
                ..
            },
        ) => b1.cmp(b2).then(n1.as_bytes().cmp(n2.as_bytes())),
        (
            O::Port {
                protocol: p1,
                low: l1,
                high: h1,
                ..
            },
            O::Port {
                protocol: p2,
                low: l2,
                high: h2,
                ..
            },
        ) => cmp_ranges((*l1).into(), (*h1).into(), (*l2).into(), (*h2).into()).then(p1.cmp(p2)),
        (O::Netif { name: n1, .. }, O::Netif { name: n2, .. }) => n1.as_bytes().cmp(n2.as_bytes()),
        (
            O::Node {
                addr: a1, mask: m1, ..
            },
            O::Node {
                addr: a2, mask: m2, ..
            },
        ) => m2
            .to_le_bytes()
            .cmp(&m1.to_le_bytes())
            .then(a1.to_le_bytes().cmp(&a2.to_le_bytes())),
        (
            O::Node6 {
                addr: a1, mask: m1, ..
            },
            O::Node6 {
                addr: a2, mask: m2, ..
            },
        ) => words_bytes(m2)
            .cmp(&words_bytes(m1))
            .then(words_bytes(a1).cmp(&words_bytes(a2))),
        (
            O::Ibpkey {
                subnet_prefix: s1,
                low: l1,
                high: h1,
                ..
            },
            O::Ibpkey {
                subnet_prefix: s2,
                low: l2,
                high: h2,
                ..
            },
        ) => {
            // libsepol subtracts the prefixes and truncates the difference to an int.
            let d = s1.wrapping_sub(*s2) as i32;
            d.cmp(&0)
                .then_with(|| cmp_ranges((*l1).into(), (*h1).into(), (*l2).into(), (*h2).into()))
        }
        (
            O::Ibendport {
                name: n1, port: p1, ..
            },
            O::Ibendport {
                name: n2, port: p2, ..
            },
        ) => n1.as_bytes().cmp(n2.as_bytes()).then(p1.cmp(p2)),
        (O::Pirq { pirq: p1, .. }, O::Pirq { pirq: p2, .. }) => p1.cmp(p2),
        (
            O::Ioport {
                low: l1, high: h1, ..
            },
            O::Ioport {
                low: l2, high: h2, ..
            },
        ) => cmp_ranges((*l1).into(), (*h1).into(), (*l2).into(), (*h2).into()),
        (
            O::Iomem {
                low: l1, high: h1, ..
            },
            O::Iomem {
                low: l2, high: h2, ..
            },
        ) => cmp_ranges(*l1, *h1, *l2, *h2),
        (O::Pcidevice { device: d1, .. }, O::Pcidevice { device: d2, .. }) => d1.cmp(d2),
        (O::Devicetree { path: p1, .. }, O::Devicetree { path: p2, .. }) => {
            p1.as_bytes().cmp(p2.as_bytes())
        }
        _ => Ordering::Equal,
    }
}

/// An IPv6 address or mask as its 16 bytes (stored as four little-endian words).
pub fn words_bytes(w: &[u32; 4]) -> [u8; 16] {
    let mut b = [0u8; 16];
    for (i, x) in w.iter().enumerate() {
        b[i * 4..i * 4 + 4].copy_from_slice(&x.to_le_bytes());
    }
    b
}

/// Evaluates a conditional expression with these boolean states (by boolean value - 1);
/// `None` when it is malformed.
pub fn eval_cond(expr: &[CondExprItem], states: &[bool]) -> Option<bool> {
    let mut st: Vec<bool> = Vec::new();
    for e in expr {
        let v = match e.kind {
            CondOp::Bool => *states.get((e.bool_value as usize).checked_sub(1)?)?,
            CondOp::Not => !st.pop()?,
            k => {
                let (b, a) = (st.pop()?, st.pop()?);
                k.apply(a, b)?
            }
        };
        st.push(v);
    }
    st.pop()
}

/// Policy capability names, indexed by capability number (libsepol 3.4's table).
pub const POLICYCAPS: &[&str] = &[
    "network_peer_controls",
    "open_perms",
    "extended_socket_class",
    "always_check_network",
    "cgroup_seclabel",
    "nnp_nosuid_transition",
    "genfs_seclabel_symlinks",
    "ioctl_skip_cloexec",
];
