//! The bounds the binary format puts on a policy, shared by the compiler (which refuses
//! a policy past them, at the declaration that passes one) and the reader (which refuses
//! a file that claims more).

/// The most values of one symbol kind. Type (attributes included) and class values are
/// 16 bits in avtab keys; the same cap bounds the memory a read ebitmap may claim.
pub const MAX_SYMBOLS: u32 = u16::MAX as u32;

/// The most permissions of a class: they are the bits of a 32-bit access vector.
pub const MAX_PERMS: u32 = 32;

/// Constraint expression depth (libsepol's `CEXPR_MAXDEPTH`).
pub const MAX_CEXPR_DEPTH: usize = 5;

/// Conditional expression depth (libsepol's `COND_EXPR_MAXDEPTH`).
pub const MAX_COND_DEPTH: usize = 10;
