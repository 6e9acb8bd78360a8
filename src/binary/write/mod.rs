//! The writer: `PolicyDb` to kernel policy bytes (binary-format.md §1–§10).
//!
//! The writer trusts its input (the semantic pass or the reader validated it) and fails
//! only on what the requested version cannot express. `Encoder` is the one place that
//! turns integers into little-endian bytes; each format item implements [`Encode`].

mod ocontext;
mod rules;
mod symbols;

use super::format::{self, CONFIG_MLS, V_MLS, V_PERMISSIVE, V_POLCAP};
use super::{WriteError, WriteOptions};
use crate::policydb::{
    AvtabEntry, Context, Ebitmap, HandleUnknown, Level, PolicyDb, Range, SymbolId, Target, TypeId,
    WidthError,
};
use byteorder::{LittleEndian, WriteBytesExt};

/// An output buffer that knows the version and target being written.
pub(super) struct Encoder<'s> {
    buf: Vec<u8>,
    version: u32,
    target: Target,
    /// The policy's extended permissions, which xperm avtab entries index (§5.1).
    xperms: Vec<crate::policydb::Xperms>,
    /// Before V20, the member types of each attribute as avtab key values, ascending (by
    /// value - 1; `None` for a type), since the old avtab format holds types only.
    old_attr_types: Vec<Option<Vec<u16>>>,
    /// Where full buffers go; the buffer is the whole output when there is none.
    sink: Option<&'s mut dyn std::io::Write>,
    /// The first error of the sink, reported when the encoding is done.
    failed: Option<std::io::Error>,
}

/// An avtab entry without extended permissions as the file holds it (§5.1).
fn entry_bytes(e: &AvtabEntry) -> [u8; 12] {
    let k = e.key;
    let mut out = [0; 12];
    out[..2].copy_from_slice(&k.source.to_le_bytes());
    out[2..4].copy_from_slice(&k.target.to_le_bytes());
    out[4..6].copy_from_slice(&k.class.to_le_bytes());
    out[6..8].copy_from_slice(&k.specified.to_le_bytes());
    out[8..].copy_from_slice(&e.data.to_le_bytes());
    out
}

/// How much the encoder buffers before handing bytes to its sink.
const FLUSH_AT: usize = 1 << 20;

impl Encoder<'_> {
    /// Hands the buffer to the sink when it is full (and a sink exists).
    fn spill(&mut self) {
        if self.buf.len() < FLUSH_AT || self.failed.is_some() {
            return;
        }
        if let Some(sink) = self.sink.as_mut() {
            if let Err(e) = sink.write_all(&self.buf) {
                self.failed = Some(e);
            }
            self.buf.clear();
        }
    }

    fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    fn u16(&mut self, v: u16) {
        // Writing to a Vec cannot fail.
        let _ = self.buf.write_u16::<LittleEndian>(v);
    }

    fn u32(&mut self, v: u32) {
        let _ = self.buf.write_u32::<LittleEndian>(v);
        self.spill();
    }

    fn u64(&mut self, v: u64) {
        let _ = self.buf.write_u64::<LittleEndian>(v);
    }

    /// Avtab entries without extended permissions (§5.1), each its key's four 16-bit values
    /// and its datum. On a little-endian machine that is the entries' own layout, so the
    /// table (tens of millions of entries in a large policy) goes to the sink as it is;
    /// elsewhere it is encoded a block at a time.
    fn plain_entries(&mut self, entries: &[AvtabEntry]) {
        if cfg!(target_endian = "little") {
            let bytes: &[u8] = bytemuck::cast_slice(entries);
            match self.sink.as_mut() {
                Some(sink) if bytes.len() >= FLUSH_AT => {
                    if self.failed.is_none() {
                        let mut direct = sink.write_all(&self.buf);
                        for piece in bytes.chunks(FLUSH_AT) {
                            direct = direct.and_then(|()| sink.write_all(piece));
                        }
                        self.failed = direct.err();
                    }
                    self.buf.clear();
                }
                _ => {
                    self.buf.extend_from_slice(bytes);
                    self.spill();
                }
            }
            return;
        }
        for block in entries.chunks(1 << 12) {
            let at = self.buf.len();
            self.buf.resize(at + block.len() * 12, 0);
            for (out, e) in self.buf[at..].chunks_exact_mut(12).zip(block) {
                out.copy_from_slice(&entry_bytes(e));
            }
            self.spill();
        }
    }

    /// A symbol id, as its 32-bit value (16-bit fields go through [`AvtabKey::new`]).
    ///
    /// [`AvtabKey::new`]: crate::policydb::AvtabKey::new
    fn id(&mut self, id: impl SymbolId) {
        self.u32(id.value());
    }

    /// An optional symbol id: 0 for none.
    fn opt_id(&mut self, id: Option<impl SymbolId>) {
        self.u32(id.map_or(0, SymbolId::value));
    }

    /// A count or string length; the format stores them as `u32`.
    fn len(&mut self, n: usize) {
        self.u32(n as u32);
    }

    fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
        self.spill();
    }

    /// A length-prefixed string (§3.2).
    fn string(&mut self, s: &str) {
        self.len(s.len());
        self.bytes(s.as_bytes());
    }

    /// A counted list of items.
    fn list<T: Encode>(&mut self, items: &[T]) {
        self.len(items.len());
        for item in items {
            item.encode(self);
        }
    }
}

/// Each attribute's member types as libsepol rebuilds them from the type-attribute map
/// (`None` for a type).
fn attribute_types(db: &PolicyDb) -> Result<Vec<Option<Vec<u16>>>, WriteError> {
    let mut out: Vec<Option<crate::policydb::Ebitmap>> = db
        .types
        .iter()
        .map(|t| (t.flavor == crate::policydb::TypeFlavor::Attribute).then(Default::default))
        .collect();
    for (i, attrs) in db.type_attr_map.iter().enumerate() {
        for a in attrs.iter() {
            if let Some(Some(members)) = out.get_mut(a as usize).filter(|_| a as usize != i) {
                members.set(i as u32);
            }
        }
    }
    let key_value = |bit: u32| {
        TypeId::from_index(bit as usize).map_or(
            Err(WidthError {
                what: TypeId::WHAT,
                value: u32::MAX,
                max: u16::MAX.into(),
            }),
            TypeId::to_u16,
        )
    };
    out.into_iter()
        .map(|m| m.map(|m| m.iter().map(key_value).collect()).transpose())
        .collect::<Result<_, _>>()
        .map_err(WriteError::TooWide)
}

#[cfg(test)]
impl Encoder<'_> {
    pub(in crate::binary) fn for_tests<'s>(version: u32) -> Encoder<'s> {
        Encoder {
            buf: Vec::new(),
            version,
            target: Target::Xen,
            xperms: Vec::new(),
            old_attr_types: Vec::new(),
            sink: None,
            failed: None,
        }
    }

    pub(in crate::binary) fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

/// Encodes one item (for tests outside this module).
#[cfg(test)]
pub(in crate::binary) fn encode<T: Encode>(e: &mut Encoder, item: &T) {
    item.encode(e);
}

/// A format item that can be appended to an [`Encoder`]; encoding cannot fail.
pub(super) trait Encode {
    /// Appends the item's bytes.
    fn encode(&self, e: &mut Encoder);
}

/// §3.1: the canonical form is a pure function of the set bits.
impl Encode for Ebitmap {
    fn encode(&self, e: &mut Encoder) {
        e.u32(64);
        e.u32(self.highbit());
        e.len(self.nodes().count());
        for (start, map) in self.nodes() {
            e.u32(start);
            e.u64(map);
        }
    }
}

/// §3.3: a level.
impl Encode for Level {
    fn encode(&self, e: &mut Encoder) {
        e.u32(self.sens);
        self.cats.encode(e);
    }
}

/// §3.3: the compressed range form, one level when low equals high.
impl Encode for Range {
    fn encode(&self, e: &mut Encoder) {
        let same = self.low == self.high;
        e.u32(if same { 1 } else { 2 });
        e.u32(self.low.sens);
        if !same {
            e.u32(self.high.sens);
        }
        self.low.cats.encode(e);
        if !same {
            self.high.cats.encode(e);
        }
    }
}

/// §3.4: a security context; the range only from version 19.
impl Encode for Context {
    fn encode(&self, e: &mut Encoder) {
        e.u32(self.user);
        e.u32(self.role);
        e.u32(self.ty);
        if e.version >= V_MLS {
            self.range.encode(e);
        }
    }
}

pub(super) fn write(
    db: &PolicyDb,
    opts: &WriteOptions,
    out: &mut dyn std::io::Write,
) -> Result<(), WriteError> {
    // Every field is written by one of the sections below; a new field breaks the build
    // here until it is handled (style guide §3.2).
    let PolicyDb {
        target: _,
        mls: _,
        handle_unknown: _,
        policycaps: _,
        permissive: _,
        commons: _,
        classes: _,
        roles: _,
        types: _,
        aliases: _,
        users: _,
        bools: _,
        sens: _,
        cats: _,
        avtab: _,
        xperms: _,
        cond_list: _,
        role_trans: _,
        role_allow: _,
        filename_trans: _,
        ocontexts: _,
        genfs: _,
        range_trans: _,
        type_attr_map: _,
        hashed_roles: _,
    } = db;
    let version = opts.version;
    let compat = format::compat(db.target, version).ok_or(WriteError::UnsupportedVersion {
        target: db.target,
        version,
    })?;
    if db.mls && version < V_MLS {
        return Err(WriteError::Unrepresentable {
            what: "an MLS policy",
            version,
        });
    }
    let mut e = Encoder {
        buf: Vec::with_capacity(FLUSH_AT + 64 * 1024),
        version,
        target: db.target,
        xperms: db.xperms.clone(),
        old_attr_types: if version < format::V_AVTAB {
            attribute_types(db)?
        } else {
            Vec::new()
        },
        sink: Some(out),
        failed: None,
    };
    // §1: header.
    e.u32(format::MAGIC);
    let target = format::target_string(db.target);
    e.len(target.len());
    e.bytes(target);
    e.u32(version);
    let unknown = match db.handle_unknown {
        HandleUnknown::Deny => 0,
        HandleUnknown::Reject => 2,
        HandleUnknown::Allow => 4,
    };
    e.u32(unknown | if db.mls { CONFIG_MLS } else { 0 });
    e.u32(compat.sym_num);
    e.u32(compat.ocon_num);
    if version >= V_POLCAP {
        db.policycaps.encode(&mut e);
    }
    if version >= V_PERMISSIVE {
        db.permissive.encode(&mut e);
    }
    // §2: the sections in file order.
    symbols::write_symbols(&mut e, db, compat.sym_num)?;
    rules::write_rules(&mut e, db)?;
    ocontext::write_ocontexts(&mut e, db, compat.ocon_num)?;
    rules::write_tail(&mut e, db);
    let Encoder {
        buf, sink, failed, ..
    } = e;
    if let Some(err) = failed {
        return Err(WriteError::Io(err.to_string()));
    }
    if let Some(sink) = sink {
        sink.write_all(&buf)
            .and_then(|()| sink.flush())
            .map_err(|err| WriteError::Io(err.to_string()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policydb::AvtabKey;

    /// The table written as it lies in memory (directly to the sink when large, through
    /// the buffer when small) is the table encoded field by field.
    #[test]
    fn plain_entries_are_their_field_encoding() {
        let entries: Vec<AvtabEntry> = (0..(FLUSH_AT / 12 + 5) as u32)
            .map(|i| AvtabEntry {
                key: AvtabKey {
                    source: i as u16,
                    target: (i >> 3) as u16 ^ 0x8001,
                    class: 7,
                    specified: 0x10,
                },
                data: i.wrapping_mul(0x9E37_79B9),
            })
            .collect();
        let expected: Vec<u8> = [0xAB_u8]
            .into_iter()
            .chain(entries.iter().flat_map(entry_bytes))
            .chain([0xCD])
            .collect();
        for n in [3, entries.len()] {
            let mut out = Vec::new();
            let mut e = Encoder::for_tests(30);
            e.sink = Some(&mut out);
            e.u8(0xAB);
            e.plain_entries(&entries[..n]);
            e.u8(0xCD);
            let rest = e.into_bytes();
            out.extend(rest);
            let want: Vec<u8> = (expected[..1 + 12 * n].iter())
                .chain([&0xCD])
                .copied()
                .collect();
            assert_eq!(out, want, "{n} entries");
        }
    }
}
