//! The codes of a constraint expression node ([`CExprNode`](super::CExprNode)), libsepol's
//! `CEXPR_*` (`../shared/docs/binary-format.md` §3.6), named once for sema, the binary
//! reader and writer, the dumps, the query tools and `explain`.

/// `not`: a node of [`kind`](super::CExprNode::kind).
pub const NOT: u32 = 1;
/// `and`.
pub const AND: u32 = 2;
/// `or`.
pub const OR: u32 = 3;
/// A comparison of two context attributes.
pub const ATTR: u32 = 4;
/// A comparison of an attribute with a set of names.
pub const NAMES: u32 = 5;

/// `==`: an [`op`](super::CExprNode::op) (0 for `not`, `and`, `or`).
pub const EQ: u32 = 1;
/// `!=`.
pub const NEQ: u32 = 2;
/// `dom`.
pub const DOM: u32 = 3;
/// `domby`.
pub const DOMBY: u32 = 4;
/// `incomp`.
pub const INCOMP: u32 = 5;

/// Operand bit of [`attr`](super::CExprNode::attr): the user.
pub const USER: u32 = 1;
/// The role.
pub const ROLE: u32 = 2;
/// The type.
pub const TYPE: u32 = 4;
/// The operand is the target's (`u2`, `r2`, `t2`).
pub const TARGET: u32 = 8;
/// The operand is the new context's (`u3`, `r3`, `t3`, validatetrans only).
pub const XTARGET: u32 = 16;
/// The user, role or type bits.
pub const SUBJECT_MASK: u32 = USER | ROLE | TYPE;
/// `l1 l2`: the first of the MLS level pairs; an `attr` at or above it compares levels.
pub const L1L2: u32 = 32;
/// `l1 h2`.
pub const L1H2: u32 = 64;
/// `h1 l2`.
pub const H1L2: u32 = 128;
/// `h1 h2`.
pub const H1H2: u32 = 256;
/// `l1 h1`.
pub const L1H1: u32 = 512;
/// `l2 h2`.
pub const L2H2: u32 = 1024;

/// [`TypeSet::flags`](super::TypeSet::flags) bit: the set was `*`.
pub const TYPE_SET_STAR: u32 = 1;
/// The set was complemented (`~`).
pub const TYPE_SET_COMP: u32 = 2;
