//! The binary policy stage: kernel policy files (Xen and SELinux, versions 15–33) to and
//! from [`PolicyDb`], byte-identical to checkpolicy 3.4.
//!
//! `read` turns untrusted bytes into a validated `PolicyDb` (every count, index, ebitmap
//! and string is checked before use; errors carry the byte offset and what was being
//! read). `write` turns a `PolicyDb` into bytes at a chosen version; symbol tables are
//! written in libsepol's hash-table order, computed from the names, and every other list
//! in the order the `PolicyDb` holds it. The layout is described in
//! `../shared/docs/binary-format.md`; each function points at the section it implements.
//!
//! ```
//! use flaskc::binary::{read, write, WriteOptions};
//! use flaskc::policydb::{PolicyDb, Target};
//!
//! let db = PolicyDb::new(Target::Xen, false);
//! let bytes = write(&db, &WriteOptions { version: 30 }).unwrap();
//! assert_eq!(&bytes[..4], &[0x8c, 0xff, 0x7c, 0xf9]);
//! // An empty policy has an empty avtab, which readers refuse to load.
//! assert!(read(&bytes).unwrap_err().to_string().contains("avtab"));
//! ```
#![warn(missing_docs)]

pub mod format;
mod read;
mod write;
mod xen;

use crate::policydb::{PolicyDb, Target};
use std::fmt;

pub use xen::xen_loader_check;

/// A policy read from a binary file, with the version it was written at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadPolicy {
    /// The policy.
    pub db: PolicyDb,
    /// The version in the file header; writing `db` at this version gives the same bytes.
    pub version: u32,
}

/// How to write a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    /// The policy version to write (24 or 30 for Xen, 15..=33 for SELinux).
    pub version: u32,
}

/// Reads and validates a kernel policy file.
///
/// # Errors
/// Returns a [`ReadError`] naming the byte offset and the item being read when the file is
/// truncated, malformed, or breaks one of libsepol's validity rules
/// (binary-format.md §15). Never panics.
pub fn read(bytes: &[u8]) -> Result<ReadPolicy, ReadError> {
    read::read(bytes)
}

/// Writes a policy at a version, as checkpolicy 3.4 would.
///
/// # Errors
/// Returns a [`WriteError`] only for what the version or target cannot express (an
/// unsupported version, MLS before version 19, IOMEM bounds over 32 bits before version 30,
/// xperms on Xen ...).
pub fn write(db: &PolicyDb, opts: &WriteOptions) -> Result<Vec<u8>, WriteError> {
    let mut out = Vec::new();
    write::write(db, opts, &mut out)?;
    Ok(out)
}

/// Writes a policy to `out` as it is encoded, a megabyte at a time, so that a large policy
/// is never held twice in memory. On an error, what was written is incomplete: write to a
/// temporary file and keep it only on success.
///
/// # Errors
/// As [`write()`], and [`WriteError::Io`] when `out` fails.
pub fn write_to(
    db: &PolicyDb,
    opts: &WriteOptions,
    out: &mut dyn std::io::Write,
) -> Result<(), WriteError> {
    write::write(db, opts, out)
}

/// Applies the changes libsepol's reader makes to a policy it loads from a file of
/// `version`, so that writing the result gives the bytes `checkpolicy -b` writes: the
/// avtab in the iteration order of a table sized from its entry count (binary-format.md
/// §5.3), every type in its own type_attr_map entry (§10), a role table holding only
/// the roles (`hashed_roles`), and, for files older than
/// V20, conditional lists in file order (which `read` reverses). `read` itself keeps
/// the file as it is, so that `write(read(b)) == b`.
pub fn reload_as_libsepol(db: &mut PolicyDb, version: u32) {
    if version < format::V_AVTAB {
        for c in &mut db.cond_list {
            c.true_list.reverse();
            c.false_list.reverse();
        }
    }
    let mask = format::avtab_mask(db.avtab.len() as u32);
    format::sort_avtab(&mut db.avtab, mask);
    db.hashed_roles = Some(db.roles.iter().flatten().count());
    db.type_attr_map
        .resize(db.types.len(), crate::policydb::Ebitmap::new());
    for (i, map) in db.type_attr_map.iter_mut().enumerate() {
        map.set(i as u32);
    }
}

/// Why a binary policy could not be read: what went wrong, where, and in what.
///
/// Boxed so that `Result<_, ReadError>` stays one pointer wide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError(Box<ReadErrorInner>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct ReadErrorInner {
    kind: ReadErrorKind,
    offset: usize,
    /// What was being read, outermost first ("role table", "entry 3").
    context: Vec<String>,
}

impl ReadError {
    #[cold]
    pub(crate) fn new(kind: ReadErrorKind, offset: usize, context: Vec<String>) -> ReadError {
        ReadError(Box::new(ReadErrorInner {
            kind,
            offset,
            context,
        }))
    }

    /// Adds an innermost level of context to an error on its way out.
    #[cold]
    pub(crate) fn within(mut self, ctx: String) -> ReadError {
        self.0.context.push(ctx);
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ReadErrorKind {
        &self.0.kind
    }

    /// The byte offset of the offending item.
    pub fn offset(&self) -> usize {
        self.0.offset
    }

    /// What was being read, outermost first.
    pub fn context(&self) -> &[String] {
        &self.0.context
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.kind)?;
        if !self.0.context.is_empty() {
            write!(f, " in {}", self.0.context.join(", "))?;
        }
        write!(f, " (at offset {:#x})", self.0.offset)
    }
}

impl std::error::Error for ReadError {}

/// The kinds of [`ReadError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadErrorKind {
    /// The file ends before an item that needs `needed` more bytes.
    UnexpectedEof {
        /// Bytes the item needs.
        needed: u64,
        /// Bytes left in the file.
        remaining: u64,
    },
    /// The first word is not the kernel policy magic.
    BadMagic(u32),
    /// The target string is neither "XenFlask" nor "SE Linux".
    BadTarget,
    /// libsepol 3.4 has no (target, version) row for this file.
    UnsupportedVersion {
        /// The file's target.
        target: Target,
        /// The file's version.
        version: u32,
    },
    /// A header count differs from the compatibility table's.
    CompatMismatch {
        /// Which count.
        what: &'static str,
        /// The count in the file.
        found: u32,
        /// The count of the table row.
        expected: u32,
    },
    /// The config word has unknown bits, an unknown handle_unknown, or MLS before V19.
    BadConfig(u32),
    /// A count is larger than its limit or than the bytes left could hold.
    CountTooLarge {
        /// What is counted.
        what: &'static str,
        /// The count read.
        count: u64,
        /// The largest count accepted here.
        limit: u64,
    },
    /// A string is empty, holds a NUL byte, or is not UTF-8.
    BadString(&'static str),
    /// An ebitmap breaks the canonical-form rules of binary-format.md §3.1.
    BadEbitmap(&'static str),
    /// A value (symbol number, kind, flag) is outside its allowed range.
    OutOfRange {
        /// What the value is.
        what: &'static str,
        /// The value read.
        value: u64,
    },
    /// A name or key appears twice where it must be unique.
    Duplicate {
        /// What is duplicated.
        what: &'static str,
        /// The name or key.
        name: String,
    },
    /// A structural rule is broken (the text says which).
    Invalid(&'static str),
    /// Bytes remain after the last section.
    TrailingBytes(u64),
}

impl fmt::Display for ReadErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadErrorKind::UnexpectedEof { needed, remaining } => write!(
                f,
                "unexpected end of file: {needed} bytes needed, {remaining} left"
            ),
            ReadErrorKind::BadMagic(m) => write!(
                f,
                "bad magic {m:#010x}: not a kernel policy (expected {:#010x})",
                format::MAGIC
            ),
            ReadErrorKind::BadTarget => {
                write!(
                    f,
                    "unknown target string (expected \"XenFlask\" or \"SE Linux\")"
                )
            }
            ReadErrorKind::UnsupportedVersion { target, version } => {
                let (name, list) = match target {
                    Target::Xen => ("Xen", "24, 30"),
                    Target::Selinux => ("SELinux", "15..33"),
                };
                write!(
                    f,
                    "unsupported policy version {version} for target {name} (supported: {list})"
                )
            }
            ReadErrorKind::CompatMismatch {
                what,
                found,
                expected,
            } => write!(f, "{what} is {found}, expected {expected} for this version"),
            ReadErrorKind::BadConfig(c) => write!(f, "bad config word {c:#x}"),
            ReadErrorKind::CountTooLarge { what, count, limit } => {
                write!(f, "{what} {count} is out of bounds (at most {limit} here)")
            }
            ReadErrorKind::BadString(why) => write!(f, "bad string: {why}"),
            ReadErrorKind::BadEbitmap(why) => write!(f, "bad ebitmap: {why}"),
            ReadErrorKind::OutOfRange { what, value } => {
                write!(f, "{what} {value} is out of range")
            }
            ReadErrorKind::Duplicate { what, name } => write!(f, "duplicate {what} `{name}`"),
            ReadErrorKind::Invalid(why) => f.write_str(why),
            ReadErrorKind::TrailingBytes(n) => write!(f, "{n} trailing bytes after the policy"),
        }
    }
}

/// Why a policy could not be written at the requested version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteError {
    /// checkpolicy 3.4 cannot write this version for this target.
    UnsupportedVersion {
        /// The requested target.
        target: Target,
        /// The requested version.
        version: u32,
    },
    /// The policy holds something this version cannot express.
    Unrepresentable {
        /// What it is.
        what: &'static str,
        /// The requested version.
        version: u32,
    },
    /// A symbol the file must name has no name (e.g. a type attribute read from a file
    /// older than version 24, which does not store attribute names).
    Unnamed {
        /// The symbol kind.
        what: &'static str,
        /// Its value.
        value: u32,
    },
    /// A value does not fit its on-disk field (a type past the 16 bits of avtab keys).
    TooWide(crate::policydb::WidthError),
    /// The output could not be written ([`write_to`] only).
    Io(String),
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::UnsupportedVersion { target, version } => match target {
                Target::Xen => write!(
                    f,
                    "policy version {version} cannot be written for target Xen \
                     (checkpolicy 3.4 writes versions 24 and 30)"
                ),
                Target::Selinux => write!(
                    f,
                    "policy version {version} cannot be written for target SELinux \
                     (supported: {}..{})",
                    format::MIN_VERSION,
                    format::MAX_VERSION
                ),
            },
            WriteError::Unrepresentable { what, version } => {
                write!(f, "policy version {version} cannot represent {what}")
            }
            WriteError::Unnamed { what, value } => {
                write!(f, "{what} value {value} has no name to write")
            }
            WriteError::TooWide(e) => write!(f, "{e}"),
            WriteError::Io(e) => write!(f, "cannot write the policy: {e}"),
        }
    }
}

impl std::error::Error for WriteError {}

#[cfg(test)]
mod tests;
