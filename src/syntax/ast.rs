//! The policy.conf syntax tree: every statement checkpolicy 3.4 accepts, both targets.
//!
//! **Architecture Invariant:** the tree is a value: it holds text and spans only, never
//! resolved symbols. Spans are byte ranges in the parsed text. Statement order is kept as
//! written; `sema` decides what order means.

use crate::name::Name;
use crate::source::Span;

/// A name or other word as written, with its span.
///
/// Names are interned ([`Name`]): a large policy writes the same few thousand names
/// millions of times, and each occurrence costs one pointer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ident {
    /// The text.
    pub name: Name,
    /// Where it was written.
    pub span: Span,
}

/// A number as written (decimal or `0x` hexadecimal), with its span; `value` is the parsed
/// value, or `None` when it does not fit in 64 bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number {
    /// The text as written.
    pub text: String,
    /// The value, if it fits in a `u64`.
    pub value: Option<u64>,
    /// Where it was written.
    pub span: Span,
}

/// A whole policy.conf: its statements in source order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    /// Top-level statements.
    pub items: Items,
}

/// The statements of a file or block, each boxed as the parser builds it: gathering them
/// unboxed into one vector would briefly hold every statement twice at the end of parsing
/// (the parser's boxes and the vector; 36 MB each for refpolicy).
pub type Items = Vec<Box<Item>>;

/// One statement with the span of its whole text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// What the statement says.
    pub kind: ItemKind,
    /// From its first token to its last.
    pub span: Span,
}

/// A set of names as rules write them: `a`, `{ a -b c }`, `*`, `~a`, `~{ a b }`.
///
/// The same shape serves type sets, role sets, class sets and permission sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Set {
    /// The names, each possibly negated with `-` (and whether the set is `*` or `~`).
    pub items: SetItems,
    /// Where the set was written.
    pub span: Span,
}

/// The items of a [`Set`], used as a slice: one name held in place, more in a boxed slice.
/// Sets are most of a large policy's tree (refpolicy: 3.5 M names), and most hold one
/// name: an allocation of its own would cost twice the name in allocator overhead. The
/// set's `*` and `~` flags fit beside the items, so that a set is 32 bytes.
#[derive(Clone, PartialEq, Eq)]
pub enum SetItems {
    /// Exactly one name.
    One(SetItem, SetFlags),
    /// None, or two and more.
    Many(Box<[SetItem]>, SetFlags),
}

/// Whether a set is written `*` or `~...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SetFlags {
    /// `*`: every name.
    pub star: bool,
    /// `~`: the complement of the set.
    pub complement: bool,
}

impl SetItems {
    fn flags(&self) -> SetFlags {
        match self {
            SetItems::One(_, f) | SetItems::Many(_, f) => *f,
        }
    }

    fn flags_mut(&mut self) -> &mut SetFlags {
        match self {
            SetItems::One(_, f) | SetItems::Many(_, f) => f,
        }
    }
}

impl std::ops::Deref for SetItems {
    type Target = [SetItem];

    fn deref(&self) -> &[SetItem] {
        match self {
            SetItems::One(item, _) => std::slice::from_ref(item),
            SetItems::Many(items, _) => items,
        }
    }
}

impl<'a> IntoIterator for &'a SetItems {
    type Item = &'a SetItem;
    type IntoIter = std::slice::Iter<'a, SetItem>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl From<Vec<SetItem>> for SetItems {
    fn from(items: Vec<SetItem>) -> SetItems {
        let flags = SetFlags::default();
        match items[..] {
            [one] => SetItems::One(one, flags),
            _ => SetItems::Many(items.into_boxed_slice(), flags),
        }
    }
}

impl std::fmt::Debug for SetItems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// One name of a [`Set`], possibly negated: 16 bytes, as a large policy has millions (the
/// name, where it starts, and its length with the negation in the top bit).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SetItem {
    name: Name,
    start: u32,
    len_negated: u32,
}

/// The top bit of [`SetItem`]'s `len_negated`: the name was written with a leading `-`.
const NEGATED: u32 = 1 << 31;

impl SetItem {
    /// The name as written (`self` is an ordinary name here).
    pub fn name(&self) -> Ident {
        let len = self.len_negated & !NEGATED;
        Ident {
            name: self.name,
            span: Span {
                start: self.start,
                end: self.start.saturating_add(len),
            },
        }
    }

    /// Whether it was written with a leading `-` inside braces.
    pub fn negated(&self) -> bool {
        self.len_negated & NEGATED != 0
    }

    fn new(name: Ident, negated: bool) -> SetItem {
        // Spans lie in one file, which is at most 1 GiB (`io::MAX_INPUT_BYTES`), so a
        // length always leaves the top bit free.
        let len = name.span.end.saturating_sub(name.span.start) & !NEGATED;
        SetItem {
            name: name.name,
            start: name.span.start,
            len_negated: len | if negated { NEGATED } else { 0 },
        }
    }
}

/// Prints the fields a plain struct would have, so trees print as they always did.
impl std::fmt::Debug for SetItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetItem")
            .field("negated", &self.negated())
            .field("name", &self.name())
            .finish()
    }
}

/// An MLS level: `s0` or `s0:c0,c3.c5` (category ranges stay one identifier with a dot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    /// The sensitivity.
    pub sens: Ident,
    /// The categories, in written order; `c0.c5` is one entry.
    pub cats: Vec<Ident>,
    /// Where it was written.
    pub span: Span,
}

/// An MLS range: `low` or `low - high`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlsRange {
    /// The low level.
    pub low: Level,
    /// The high level, when written.
    pub high: Option<Level>,
    /// Where it was written.
    pub span: Span,
}

/// A security context `user:role:type[:range]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The user.
    pub user: Ident,
    /// The role.
    pub role: Ident,
    /// The type.
    pub ty: Ident,
    /// The MLS range, when written.
    pub range: Option<Box<MlsRange>>,
    /// Where it was written.
    pub span: Span,
}

/// Which access-vector rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AvRuleKind {
    /// `allow`
    Allow,
    /// `auditallow`
    Auditallow,
    /// `auditdeny`
    Auditdeny,
    /// `dontaudit`
    Dontaudit,
    /// `neverallow`
    Neverallow,
}

/// Which extended-permission rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum XpermRuleKind {
    /// `allowxperm`
    Allow,
    /// `auditallowxperm`
    Auditallow,
    /// `dontauditxperm`
    Dontaudit,
    /// `neverallowxperm`
    Neverallow,
}

/// Which type rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeRuleKind {
    /// `type_transition`
    Transition,
    /// `type_member`
    Member,
    /// `type_change`
    Change,
}

/// One element of an extended-permission set: a number or a `lo-hi` range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XpermRange {
    /// The low end (or the single value).
    pub low: Number,
    /// The high end of a range.
    pub high: Option<Number>,
}

/// An extended-permission set: `0x1`, `{ 0x1 0x10-0x20 }`, `~{ ... }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XpermSet {
    /// The values and ranges.
    pub items: Vec<XpermRange>,
    /// `~`: the complement.
    pub complement: bool,
    /// Where it was written.
    pub span: Span,
}

/// What a `default_*` statement selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DefaultKind {
    /// `default_user`
    User,
    /// `default_role`
    Role,
    /// `default_type`
    Type,
    /// `default_range`
    Range,
}

/// The value of a `default_*` statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DefaultValue {
    /// `source`
    Source,
    /// `target`
    Target,
    /// `source low`
    SourceLow,
    /// `source high`
    SourceHigh,
    /// `source low-high`
    SourceLowHigh,
    /// `target low`
    TargetLow,
    /// `target high`
    TargetHigh,
    /// `target low-high`
    TargetLowHigh,
    /// `glblub`
    Glblub,
}

/// A conditional (boolean) expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CondExpr {
    /// A boolean or tunable name.
    Bool(Ident),
    /// `!e`
    Not(Box<CondExpr>),
    /// `a && b`
    And(Box<CondExpr>, Box<CondExpr>),
    /// `a || b`
    Or(Box<CondExpr>, Box<CondExpr>),
    /// `a ^ b`
    Xor(Box<CondExpr>, Box<CondExpr>),
    /// `a == b`
    Eq(Box<CondExpr>, Box<CondExpr>),
    /// `a != b`
    Neq(Box<CondExpr>, Box<CondExpr>),
}

/// The operand keywords of constraint expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum COperand {
    /// `u1`
    U1,
    /// `u2`
    U2,
    /// `u3`
    U3,
    /// `r1`
    R1,
    /// `r2`
    R2,
    /// `r3`
    R3,
    /// `t1`
    T1,
    /// `t2`
    T2,
    /// `t3`
    T3,
    /// `l1`
    L1,
    /// `l2`
    L2,
    /// `h1`
    H1,
    /// `h2`
    H2,
}

/// Comparison operators of constraint expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum COp {
    /// `==` or `eq`
    Eq,
    /// `!=`
    Neq,
    /// `dom`
    Dom,
    /// `domby`
    Domby,
    /// `incomp`
    Incomp,
}

/// A constraint or validatetrans expression.
///
/// Shorthands are normalised by the parser: `sameuser` is `u1 == u2`, `role dom` is
/// `r1 dom r2`, `source role N` is `r1 == N`, `target type N` is `t2 == N`, and so on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CExpr {
    /// `not e`
    Not(Box<CExpr>),
    /// `a and b`
    And(Box<CExpr>, Box<CExpr>),
    /// `a or b`
    Or(Box<CExpr>, Box<CExpr>),
    /// Two operands compared: `u1 == u2`, `l1 dom h2`.
    Attr {
        /// The left operand.
        left: COperand,
        /// The operator.
        op: COp,
        /// The right operand.
        right: COperand,
        /// Where the comparison was written.
        span: Span,
    },
    /// An operand compared with names: `t1 == { a b }`.
    Names {
        /// The operand.
        operand: COperand,
        /// The operator (`==` or `!=`).
        op: COp,
        /// The names.
        names: Set,
        /// Where the comparison was written.
        span: Span,
    },
}

/// One declaration inside a `require { }` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequireDecl {
    /// `class`, `type`, `attribute`, `role`, `attribute_role`, `user`, `bool`, `tunable`,
    /// `sensitivity`, `category`.
    pub kind: Ident,
    /// The names declared.
    pub names: Vec<Ident>,
    /// For `class C { p q }`: the permissions.
    pub perms: Vec<Ident>,
}

/// A statement.
///
/// Contexts, ranges and extended-permission sets are boxed: they are large and rare, and
/// a policy has hundreds of thousands of statements, each as large as the largest variant
/// (an `allow` rule's four sets, 136 bytes on 64-bit targets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemKind {
    /// `class NAME` (declaration in security_classes).
    ClassDecl(Ident),
    /// `sid NAME` (declaration in initial_sids).
    SidDecl(Ident),
    /// `common NAME { perms }`.
    Common {
        /// The common's name.
        name: Ident,
        /// Its permissions in order.
        perms: Vec<Ident>,
    },
    /// `class NAME [inherits COMMON] [{ perms }]` (access vector definition).
    ClassDef {
        /// The class.
        name: Ident,
        /// The inherited common.
        inherits: Option<Ident>,
        /// Own permissions in order.
        perms: Vec<Ident>,
    },
    /// `default_user|role|type|range { classes } value;`.
    Default {
        /// Which default.
        kind: DefaultKind,
        /// The classes.
        classes: Vec<Ident>,
        /// What it selects.
        value: DefaultValue,
        /// Where the value was written.
        value_span: Span,
    },
    /// `sensitivity NAME [alias A | alias { A B }];`.
    Sensitivity {
        /// The sensitivity.
        name: Ident,
        /// Its aliases.
        aliases: Vec<Ident>,
    },
    /// `dominance { s0 s1 ... }` or `dominance s0`.
    Dominance(Vec<Ident>),
    /// `category NAME [alias ...];`.
    Category {
        /// The category.
        name: Ident,
        /// Its aliases.
        aliases: Vec<Ident>,
    },
    /// `level s0[:cats];`.
    LevelDecl(Level),
    /// `constrain` (mls false) or `mlsconstrain` (mls true).
    Constrain {
        /// Written as `mlsconstrain`.
        mls: bool,
        /// The classes.
        classes: Set,
        /// The permissions.
        perms: Set,
        /// The expression.
        expr: CExpr,
    },
    /// `validatetrans` or `mlsvalidatetrans`.
    Validatetrans {
        /// Written as `mlsvalidatetrans`.
        mls: bool,
        /// The classes.
        classes: Set,
        /// The expression.
        expr: CExpr,
    },
    /// `policycap NAME;`.
    Policycap(Ident),
    /// `;`, an empty statement. Kept only inside `optional` blocks, where it counts as
    /// the block's statement and may not follow the block's users.
    Empty,
    /// `attribute NAME;`.
    Attribute(Ident),
    /// `expandattribute NAMES true|false;`.
    ExpandAttribute {
        /// The attributes.
        attrs: Vec<Ident>,
        /// Whether they are expanded.
        expand: bool,
    },
    /// `type NAME [alias ...] [, attrs];`.
    Type {
        /// The type.
        name: Ident,
        /// Its aliases.
        aliases: Vec<Ident>,
        /// Attributes it belongs to.
        attrs: Vec<Ident>,
    },
    /// `typealias TYPE alias NAMES;`.
    TypeAlias {
        /// The aliased type.
        target: Ident,
        /// The aliases.
        aliases: Vec<Ident>,
    },
    /// `typeattribute TYPE attrs;`.
    TypeAttribute {
        /// The type.
        ty: Ident,
        /// The attributes.
        attrs: Vec<Ident>,
    },
    /// `typebounds BOUND TYPES;`.
    TypeBounds {
        /// The bounding (parent) type.
        bound: Ident,
        /// The bounded types.
        types: Vec<Ident>,
    },
    /// `permissive TYPE;`.
    Permissive(Ident),
    /// `bool NAME true|false;`.
    Bool {
        /// The boolean.
        name: Ident,
        /// Its default state.
        value: bool,
    },
    /// `tunable NAME true|false;`.
    Tunable {
        /// The tunable.
        name: Ident,
        /// Its value.
        value: bool,
    },
    /// `allow|auditallow|auditdeny|dontaudit|neverallow S T : C P;`.
    AvRule {
        /// Which rule.
        kind: AvRuleKind,
        /// Source types.
        source: Set,
        /// Target types.
        target: Set,
        /// Classes.
        classes: Set,
        /// Permissions.
        perms: Set,
    },
    /// `allowxperm S T : C OPERATION XPERMS;` and friends.
    XpermRule {
        /// Which rule.
        kind: XpermRuleKind,
        /// Source types.
        source: Set,
        /// Target types.
        target: Set,
        /// Classes.
        classes: Set,
        /// The operation (`ioctl`).
        operation: Ident,
        /// The extended permissions (boxed: rare, and larger than what an `allow` holds,
        /// which sets the size of every statement).
        perms: Box<XpermSet>,
    },
    /// `type_transition|type_member|type_change S T : C NEW ["NAME"];`.
    TypeRule {
        /// Which rule.
        kind: TypeRuleKind,
        /// Source types.
        source: Set,
        /// Target types.
        target: Set,
        /// Classes.
        classes: Set,
        /// The new type.
        new_type: Ident,
        /// The object name of a named transition, without quotes.
        object_name: Option<Ident>,
    },
    /// `role NAME [types SET];` or `role NAME, attrs;`.
    Role {
        /// The role.
        name: Ident,
        /// `types SET`, when written.
        types: Option<Set>,
        /// `, attrs`, when written.
        attrs: Vec<Ident>,
    },
    /// `attribute_role NAME;`.
    AttributeRole(Ident),
    /// `roleattribute ROLE attrs;`.
    RoleAttribute {
        /// The role.
        role: Ident,
        /// The role attributes.
        attrs: Vec<Ident>,
    },
    /// `role_transition ROLES TYPES [: CLASSES] NEW;`.
    RoleTransition {
        /// Current roles.
        roles: Set,
        /// Types.
        types: Set,
        /// Classes, when written (`process` otherwise).
        classes: Option<Set>,
        /// The new role.
        new_role: Ident,
    },
    /// `allow ROLES ROLES;`.
    RoleAllow {
        /// From roles.
        from: Set,
        /// To roles.
        to: Set,
    },
    /// `dominance { role R { role S; } }` (role dominance).
    RoleDominance(Vec<RoleDom>),
    /// `user NAME roles SET [level L range R];`.
    User {
        /// The user.
        name: Ident,
        /// Its roles.
        roles: Set,
        /// Its default level (MLS).
        level: Option<Level>,
        /// Its range (MLS).
        range: Option<Box<MlsRange>>,
    },
    /// `range_transition S T [: C] RANGE;`.
    RangeTransition {
        /// Source types.
        source: Set,
        /// Target types.
        target: Set,
        /// Classes, when written (`process` otherwise).
        classes: Option<Set>,
        /// The new range.
        range: Box<MlsRange>,
    },
    /// `if (EXPR) { ... } [else { ... }]`.
    If {
        /// The condition.
        cond: CondExpr,
        /// Statements of the true branch.
        then_items: Items,
        /// Statements of the false branch.
        else_items: Option<Items>,
    },
    /// `optional { ... } [else { ... }]`.
    Optional {
        /// The block.
        items: Items,
        /// The else block.
        else_items: Option<Items>,
    },
    /// `require { ... }`.
    Require(Vec<RequireDecl>),
    /// `sid NAME CONTEXT` (initial SID context).
    SidContext {
        /// The SID.
        name: Ident,
        /// Its context.
        context: Box<Context>,
    },
    /// Xen: `pirqcon N CONTEXT`.
    Pirqcon {
        /// The IRQ.
        pirq: Number,
        /// The context.
        context: Box<Context>,
    },
    /// Xen: `iomemcon LO[-HI] CONTEXT`.
    Iomemcon {
        /// Low page frame.
        low: Number,
        /// High page frame.
        high: Option<Number>,
        /// The context.
        context: Box<Context>,
    },
    /// Xen: `ioportcon LO[-HI] CONTEXT`.
    Ioportcon {
        /// Low port.
        low: Number,
        /// High port.
        high: Option<Number>,
        /// The context.
        context: Box<Context>,
    },
    /// Xen: `pcidevicecon N CONTEXT`.
    Pcidevicecon {
        /// The device number.
        device: Number,
        /// The context.
        context: Box<Context>,
    },
    /// Xen: `devicetreecon "PATH" CONTEXT`.
    Devicetreecon {
        /// The path, without quotes.
        path: Ident,
        /// The context.
        context: Box<Context>,
    },
    /// SELinux: `fscon N N CONTEXT CONTEXT`.
    Fscon {
        /// First number.
        a: Number,
        /// Second number.
        b: Number,
        /// First context.
        context: Box<Context>,
        /// Second context.
        context2: Box<Context>,
    },
    /// SELinux: `fs_use_xattr|task|trans FS CONTEXT;`.
    FsUse {
        /// `xattr`, `task` or `trans`.
        behavior: FsUseKind,
        /// The file system.
        fs: Ident,
        /// The context.
        context: Box<Context>,
    },
    /// SELinux: `genfscon FS PATH [-TYPE] CONTEXT`.
    Genfscon {
        /// The file system.
        fs: Ident,
        /// The path (quotes removed).
        path: Ident,
        /// The file type flag (`-d`, `--` ...), when written.
        file_type: Option<Ident>,
        /// The context.
        context: Box<Context>,
    },
    /// SELinux: `portcon PROTO LO[-HI] CONTEXT`.
    Portcon {
        /// The protocol (`tcp`, `udp`, `dccp`, `sctp`).
        protocol: Ident,
        /// Low port.
        low: Number,
        /// High port.
        high: Option<Number>,
        /// The context.
        context: Box<Context>,
    },
    /// SELinux: `netifcon NAME CONTEXT CONTEXT`.
    Netifcon {
        /// The interface.
        name: Ident,
        /// The interface context.
        context: Box<Context>,
        /// The message context.
        context2: Box<Context>,
    },
    /// SELinux: `nodecon ADDR MASK CONTEXT` (IPv4 or IPv6).
    Nodecon {
        /// The address.
        addr: Ident,
        /// The mask.
        mask: Ident,
        /// The context.
        context: Box<Context>,
    },
    /// SELinux: `ibpkeycon SUBNET LO[-HI] CONTEXT`.
    Ibpkeycon {
        /// The subnet prefix (an IPv6 address).
        subnet: Ident,
        /// Low pkey.
        low: Number,
        /// High pkey.
        high: Option<Number>,
        /// The context.
        context: Box<Context>,
    },
    /// SELinux: `ibendportcon DEVICE PORT CONTEXT`.
    Ibendportcon {
        /// The device name.
        device: Ident,
        /// The port.
        port: Number,
        /// The context.
        context: Box<Context>,
    },
}

/// `role R;` or `role R { ... }` inside a role `dominance` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleDom {
    /// The role.
    pub role: Ident,
    /// The roles it dominates.
    pub dominated: Vec<RoleDom>,
}

/// The `fs_use_*` behaviours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FsUseKind {
    /// `fs_use_xattr`
    Xattr,
    /// `fs_use_task`
    Task,
    /// `fs_use_trans`
    Trans,
}

// Constructors used by the grammar actions in `grammar/policy.lalrpop`. They keep the
// actions one line long and hold the little logic parsing needs (number values, quote
// stripping, set shapes), so that it is tested as Rust.

impl Ident {
    /// A name written from byte `l` to byte `r`.
    pub fn new(name: &str, l: usize, r: usize) -> Ident {
        Ident {
            name: Name::new(name),
            span: Span::new(l, r),
        }
    }

    /// A quoted string token (`"name"`, `"/path"`) without its quotes; the span keeps them.
    pub fn unquoted(text: &str, l: usize, r: usize) -> Ident {
        let inner = text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or(text);
        Ident::new(inner, l, r)
    }

    /// A genfscon file-type flag: `-` followed by a letter (`-d`), kept as `-d`.
    pub fn file_type(flag: Ident, l: usize, r: usize) -> Ident {
        Ident::new(&format!("-{}", flag.name), l, r)
    }
}

impl Number {
    /// A number token; its value is read as checkpolicy's `strtoul(text, NULL, 0)` does:
    /// `0x` is hexadecimal, a leading `0` octal (up to the first non-octal digit), else
    /// decimal. `value` is `None` when it does not fit in a `u64`.
    pub fn new(text: &str, l: usize, r: usize) -> Number {
        Number {
            text: text.to_string(),
            value: number_value(text),
            span: Span::new(l, r),
        }
    }
}

/// The value of a NUMBER token as `strtoul(text, NULL, 0)` reads it.
fn number_value(text: &str) -> Option<u64> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok();
    }
    if let Some(oct) = text.strip_prefix('0') {
        let digits: String = oct
            .chars()
            .take_while(|c| ('0'..='7').contains(c))
            .collect();
        if digits.is_empty() {
            return Some(0);
        }
        return u64::from_str_radix(&digits, 8).ok();
    }
    text.parse().ok()
}

impl Item {
    /// A statement, boxed, its span set by [`Item::spanned`] once the whole statement is
    /// read. Boxed because the parser moves every grammar symbol by value on its stack:
    /// a pointer there instead of a statement keeps each move small.
    pub fn boxed(kind: ItemKind) -> Box<Item> {
        Box::new(Item {
            kind,
            span: Span::default(),
        })
    }

    /// The statement spanning bytes `l..r`.
    pub fn spanned(mut self: Box<Self>, l: usize, r: usize) -> Box<Item> {
        self.span = Span::new(l, r);
        self
    }
}

impl SetItem {
    /// A name as written, not negated.
    pub fn plain(name: Ident) -> SetItem {
        SetItem::new(name, false)
    }

    /// A name written with a leading `-`.
    pub fn excluded(name: Ident) -> SetItem {
        SetItem::new(name, true)
    }
}

impl Set {
    /// A set of the given items; nested braces are flattened by the caller.
    pub fn of(items: Vec<SetItem>, l: usize, r: usize) -> Set {
        Set {
            items: items.into(),
            span: Span::new(l, r),
        }
    }

    /// The same names with the flags `flags`.
    pub fn with_flags(mut self, flags: SetFlags) -> Set {
        *self.items.flags_mut() = flags;
        self
    }

    /// Whether the set is `*`: every name.
    pub fn star(&self) -> bool {
        self.items.flags().star
    }

    /// Whether the set is `~...`: the complement of its names.
    pub fn complement(&self) -> bool {
        self.items.flags().complement
    }

    /// Its `*` and `~` flags.
    pub fn flags(&self) -> SetFlags {
        self.items.flags()
    }

    /// One name: `a`.
    pub fn one(name: Ident, l: usize, r: usize) -> Set {
        Set::of(vec![SetItem::plain(name)], l, r)
    }

    /// `a - b` written outside braces: `a` without `b`.
    pub fn minus(a: Ident, b: Ident, l: usize, r: usize) -> Set {
        Set::of(vec![SetItem::plain(a), SetItem::excluded(b)], l, r)
    }

    /// `*`.
    pub fn every(l: usize, r: usize) -> Set {
        let star = SetFlags {
            star: true,
            complement: false,
        };
        Set::of(Vec::new(), l, r).with_flags(star)
    }

    /// `~set`: the complement of `inner`, spanning from the `~`.
    pub fn complement_of(inner: Set, l: usize, r: usize) -> Set {
        let flags = SetFlags {
            complement: true,
            ..inner.flags()
        };
        Set {
            span: Span::new(l, r),
            ..inner.with_flags(flags)
        }
    }

    /// Names of a set written as plain names (`{ a b }`), in order.
    pub fn names(&self) -> impl Iterator<Item = Ident> + '_ {
        self.items.iter().map(SetItem::name)
    }
}

/// Concatenates the items of a nested set `{ a { b -c } }`: nesting adds no meaning.
pub fn flatten(parts: Vec<Vec<SetItem>>) -> Vec<SetItem> {
    concat_exact(parts)
}

/// Concatenates the values of a nested extended-permission set.
pub fn flatten_xperms(parts: Vec<Vec<XpermRange>>) -> Vec<XpermRange> {
    concat_exact(parts)
}

/// The parts one after another in a vector of exactly their length: sets are most of a
/// large policy's tree, and a vector grown by pushing would hold up to twice its items.
fn concat_exact<T>(parts: Vec<Vec<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for p in parts {
        out.extend(p);
    }
    out
}

impl Level {
    /// `sens[:cats]` spanning bytes `l..r`.
    pub fn new(sens: Ident, cats: Option<Vec<Ident>>, l: usize, r: usize) -> Level {
        Level {
            sens,
            cats: cats.unwrap_or_default(),
            span: Span::new(l, r),
        }
    }
}

impl MlsRange {
    /// `low[ - high]` spanning bytes `l..r`, boxed as statements hold it.
    pub fn new(low: Level, high: Option<Level>, l: usize, r: usize) -> Box<MlsRange> {
        Box::new(MlsRange {
            low,
            high,
            span: Span::new(l, r),
        })
    }
}

impl Context {
    /// `user:role:type[:range]` spanning bytes `l..r`, boxed as statements hold it.
    pub fn new(
        user: Ident,
        role: Ident,
        ty: Ident,
        range: Option<Box<MlsRange>>,
        l: usize,
        r: usize,
    ) -> Box<Context> {
        Box::new(Context {
            user,
            role,
            ty,
            range,
            span: Span::new(l, r),
        })
    }
}

impl XpermRange {
    /// A single value or a `low-high` range.
    pub fn new(low: Number, high: Option<Number>) -> XpermRange {
        XpermRange { low, high }
    }
}

impl XpermSet {
    /// The values and ranges of an extended-permission set spanning bytes `l..r`, boxed as
    /// statements hold it.
    pub fn new(items: Vec<XpermRange>, l: usize, r: usize) -> Box<XpermSet> {
        Box::new(XpermSet {
            items,
            complement: false,
            span: Span::new(l, r),
        })
    }

    /// `~set`, spanning from the `~`.
    pub fn complement(mut inner: Box<XpermSet>, l: usize, r: usize) -> Box<XpermSet> {
        inner.complement = true;
        inner.span = Span::new(l, r);
        inner
    }
}

impl CondExpr {
    /// `!e`.
    pub fn negate(e: CondExpr) -> CondExpr {
        CondExpr::Not(Box::new(e))
    }

    /// A binary operator applied to two operands; `make` is a variant such as
    /// `CondExpr::And`.
    pub fn binary(
        make: fn(Box<CondExpr>, Box<CondExpr>) -> CondExpr,
        a: CondExpr,
        b: CondExpr,
    ) -> CondExpr {
        make(Box::new(a), Box::new(b))
    }
}

impl CExpr {
    /// `not e`.
    pub fn negate(e: CExpr) -> CExpr {
        CExpr::Not(Box::new(e))
    }

    /// `a and b`.
    pub fn and(a: CExpr, b: CExpr) -> CExpr {
        CExpr::And(Box::new(a), Box::new(b))
    }

    /// `a or b`.
    pub fn or(a: CExpr, b: CExpr) -> CExpr {
        CExpr::Or(Box::new(a), Box::new(b))
    }

    /// Two operands compared (`u1 == u2`), spanning bytes `l..r`.
    pub fn attr(left: COperand, op: COp, right: COperand, l: usize, r: usize) -> CExpr {
        CExpr::Attr {
            left,
            op,
            right,
            span: Span::new(l, r),
        }
    }

    /// An operand compared with names (`t1 == { a b }`), spanning bytes `l..r`.
    pub fn names(operand: COperand, op: COp, names: Set, l: usize, r: usize) -> CExpr {
        CExpr::Names {
            operand,
            op,
            names,
            span: Span::new(l, r),
        }
    }
}

impl RequireDecl {
    /// `KIND a, b;` in a require block.
    pub fn new(kind: Ident, names: Vec<Ident>) -> RequireDecl {
        RequireDecl {
            kind,
            names,
            perms: Vec::new(),
        }
    }

    /// `class C { p q };` in a require block.
    pub fn class(kind: Ident, class: Ident, perms: Vec<Ident>) -> RequireDecl {
        RequireDecl {
            kind,
            names: vec![class],
            perms,
        }
    }
}

impl RoleDom {
    /// `role R;` or `role R { ... }` inside a role dominance block.
    pub fn new(role: Ident, dominated: Option<Vec<RoleDom>>) -> RoleDom {
        RoleDom {
            role,
            dominated: dominated.unwrap_or_default(),
        }
    }
}

/// The `Debug` text of a tree with every span erased, for comparing trees that were parsed
/// from different text (a round trip through the printer) where only the spans differ.
pub fn debug_without_spans<T: std::fmt::Debug>(tree: &T) -> String {
    let text = format!("{tree:?}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("Span { start: ") {
        out.push_str(&rest[..at]);
        out.push_str("Span");
        let after = &rest[at..];
        match after.find('}') {
            Some(end) => rest = &after[end + 1..],
            None => {
                rest = after;
                break;
            }
        }
    }
    out.push_str(rest);
    out
}
