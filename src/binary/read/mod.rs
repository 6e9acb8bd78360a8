//! The reader: untrusted bytes to a validated `PolicyDb` (binary-format.md §1–§10, with
//! the validation rules of §3 and §15).
//!
//! `Decoder` is the one place that reads little-endian integers; it checks every read and
//! every count against the bytes left (and a named limit) before anything is allocated.
//! Checks that need a later symbol table (a role's types, a user's range) are recorded
//! with their offset and context and run once the symbol tables are complete.

mod ocontext;
mod rules;
mod symbols;

use super::format::{self, CONFIG_MLS, CONFIG_UNKNOWN_MASK, V_MLS, V_PERMISSIVE, V_POLCAP};
use super::{ReadError, ReadErrorKind, ReadPolicy};
use crate::policydb::{
    Context, Ebitmap, HandleUnknown, Level, PolicyDb, Range, SymbolId, Target, TypeFlavor,
    POLICYCAPS,
};
use byteorder::{ByteOrder, LittleEndian};

pub(super) type Result<T> = std::result::Result<T, ReadError>;

pub(super) use crate::policydb::limits::{MAX_CEXPR_DEPTH, MAX_COND_DEPTH, MAX_PERMS, MAX_SYMBOLS};

/// A bounds-checked little-endian cursor over the file.
pub(super) struct Decoder<'a> {
    buf: &'a [u8],
    pos: usize,
    /// The header's version, which gates fields (§2).
    pub(super) version: u32,
    /// The header's target, which selects ocontext layouts.
    pub(super) target: Target,
    /// What is being read, outermost first; copied into errors.
    ctx: Vec<String>,
}

impl<'a> Decoder<'a> {
    fn new(buf: &'a [u8]) -> Decoder<'a> {
        Decoder {
            buf,
            pos: 0,
            version: 0,
            target: Target::Selinux,
            ctx: Vec::new(),
        }
    }

    pub(super) fn pos(&self) -> usize {
        self.pos
    }

    pub(super) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// An error at `offset` in the current context.
    #[cold]
    pub(super) fn error_at(&self, offset: usize, kind: ReadErrorKind) -> ReadError {
        ReadError::new(kind, offset, self.ctx.clone())
    }

    /// An error at the current position.
    #[cold]
    pub(super) fn error(&self, kind: ReadErrorKind) -> ReadError {
        self.error_at(self.pos, kind)
    }

    pub(super) fn invalid<T>(&self, offset: usize, why: &'static str) -> Result<T> {
        Err(self.error_at(offset, ReadErrorKind::Invalid(why)))
    }

    pub(super) fn out_of_range<T>(&self, offset: usize, what: &'static str, v: u64) -> Result<T> {
        Err(self.error_at(offset, ReadErrorKind::OutOfRange { what, value: v }))
    }

    /// Runs `f` with one more level of context.
    pub(super) fn within<T>(
        &mut self,
        ctx: impl Into<String>,
        f: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        self.ctx.push(ctx.into());
        let r = f(self);
        self.ctx.pop();
        r
    }

    /// Enters one more level of context; errors returned before the matching
    /// [`Decoder::ctx_pop`] carry it.
    pub(super) fn ctx_push(&mut self, ctx: impl Into<String>) {
        self.ctx.push(ctx.into());
    }

    /// Leaves the innermost level of context.
    pub(super) fn ctx_pop(&mut self) {
        self.ctx.pop();
    }

    /// Replaces the innermost context (to add a name once it is known).
    pub(super) fn rename_ctx(&mut self, ctx: String) {
        if let Some(last) = self.ctx.last_mut() {
            *last = ctx;
        }
    }

    pub(super) fn ctx(&self) -> Vec<String> {
        self.ctx.clone()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.error(ReadErrorKind::UnexpectedEof {
                needed: n as u64,
                remaining: self.remaining() as u64,
            }));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub(super) fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    pub(super) fn u16(&mut self) -> Result<u16> {
        Ok(LittleEndian::read_u16(self.take(2)?))
    }

    pub(super) fn u32(&mut self) -> Result<u32> {
        Ok(LittleEndian::read_u32(self.take(4)?))
    }

    pub(super) fn u64(&mut self) -> Result<u64> {
        Ok(LittleEndian::read_u64(self.take(8)?))
    }

    /// A `u32` that must be 0 or 1.
    pub(super) fn flag(&mut self, what: &'static str) -> Result<bool> {
        let at = self.pos;
        match self.u32()? {
            0 => Ok(false),
            1 => Ok(true),
            v => self.out_of_range(at, what, v.into()),
        }
    }

    /// A count of records of at least `min_size` bytes each, checked against `limit` and
    /// the bytes left before the caller allocates anything (style guide §3.4).
    pub(super) fn count(
        &mut self,
        what: &'static str,
        min_size: usize,
        limit: u32,
    ) -> Result<usize> {
        let at = self.pos;
        let n = self.u32()?;
        let fit = self.remaining() / min_size.max(1);
        let limit = (limit as usize).min(fit);
        if n as usize > limit {
            return Err(self.error_at(
                at,
                ReadErrorKind::CountTooLarge {
                    what,
                    count: n.into(),
                    limit: limit as u64,
                },
            ));
        }
        Ok(n as usize)
    }

    /// A length word for a string that follows later; checked against the bytes left.
    pub(super) fn str_len(&mut self) -> Result<u32> {
        let at = self.pos;
        let n = self.u32()?;
        if n as usize > self.remaining() {
            return Err(self.error_at(
                at,
                ReadErrorKind::CountTooLarge {
                    what: "string length",
                    count: n.into(),
                    limit: self.remaining() as u64,
                },
            ));
        }
        Ok(n)
    }

    /// `len` bytes of an identifier or path: non-empty, no NUL (§3.2, §15), UTF-8.
    pub(super) fn string(&mut self, len: u32) -> Result<String> {
        let at = self.pos;
        let bytes = self.take(len as usize)?;
        let bad = |why| Err(self.error_at(at, ReadErrorKind::BadString(why)));
        if bytes.is_empty() {
            return bad("empty");
        }
        if bytes.contains(&0) {
            return bad("contains a NUL byte");
        }
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => bad("not UTF-8"),
        }
    }

    /// A length-prefixed string.
    pub(super) fn lp_string(&mut self) -> Result<String> {
        let len = self.str_len()?;
        self.string(len)
    }

    /// An ebitmap in libsepol's strict canonical form (§3.1) whose bits are all below
    /// `limit`.
    pub(super) fn ebitmap(&mut self, limit: u32) -> Result<Ebitmap> {
        let at = self.pos;
        let bad = |d: &Self, why| Err(d.error_at(at, ReadErrorKind::BadEbitmap(why)));
        let mapsize = self.u32()?;
        let highbit = self.u32()?;
        let count = self.u32()?;
        if mapsize != 64 {
            return bad(self, "map size is not 64");
        }
        if highbit % 64 != 0 {
            return bad(self, "high bit is not a multiple of 64");
        }
        if highbit == 0 {
            if count != 0 {
                return bad(self, "nodes in an empty map");
            }
            return Ok(Ebitmap::new());
        }
        if count == 0 {
            return bad(self, "no nodes below a non-zero high bit");
        }
        if u64::from(highbit) > u64::from(limit).div_ceil(64) * 64 {
            return self.out_of_range(at, "ebitmap high bit", highbit.into());
        }
        if count as usize > self.remaining() / 12 || count > highbit / 64 {
            return Err(self.error_at(
                at,
                ReadErrorKind::CountTooLarge {
                    what: "ebitmap node count",
                    count: count.into(),
                    limit: u64::from(highbit / 64).min(self.remaining() as u64 / 12),
                },
            ));
        }
        let mut e = Ebitmap::new();
        let mut next = 0u64;
        for _ in 0..count {
            let node = self.pos;
            let start = self.u32()?;
            let map = self.u64()?;
            if start % 64 != 0 {
                return bad(self, "node start is not a multiple of 64");
            }
            if u64::from(start) < next || start > highbit - 64 {
                return bad(self, "node starts out of order or beyond the high bit");
            }
            if map == 0 {
                return bad(self, "node map is zero");
            }
            if u64::from(start) + 64 - u64::from(map.leading_zeros()) > u64::from(limit) {
                return self.out_of_range(
                    node,
                    "ebitmap bit",
                    u64::from(start) + 63 - u64::from(map.leading_zeros()),
                );
            }
            e.set_node(start, map);
            next = u64::from(start) + 64;
        }
        if next != u64::from(highbit) {
            return bad(self, "high bit does not follow the last node");
        }
        Ok(e)
    }

    /// §3.3: a level, with its bits below `MAX_SYMBOLS`; checked later against the tables.
    pub(super) fn level(&mut self) -> Result<Level> {
        let sens = self.u32()?;
        let cats = self.ebitmap(MAX_SYMBOLS)?;
        Ok(Level { sens, cats })
    }

    /// §3.3: a range in compressed form (n = 1 or 2).
    pub(super) fn range(&mut self) -> Result<Range> {
        let at = self.pos;
        let n = self.u32()?;
        if !(1..=2).contains(&n) {
            return self.out_of_range(at, "range level count", n.into());
        }
        let low_sens = self.u32()?;
        let high_sens = if n == 2 { self.u32()? } else { low_sens };
        let low = Level {
            sens: low_sens,
            cats: self.ebitmap(MAX_SYMBOLS)?,
        };
        let high = if n == 2 {
            Level {
                sens: high_sens,
                cats: self.ebitmap(MAX_SYMBOLS)?,
            }
        } else {
            low.clone()
        };
        Ok(Range { low, high })
    }
}

/// Which values a number or bitmap may refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Space {
    Class,
    /// Roles with a record (role attributes are gaps).
    Role,
    /// Types and attributes.
    Type,
    /// Types that are not attributes.
    RealType,
    User,
    Bool,
    /// Sensitivity values of non-alias records.
    Sens,
    /// Category values of non-alias records.
    Cat,
}

impl Space {
    fn name(self) -> &'static str {
        match self {
            Space::Class => "class value",
            Space::Role => "role value",
            Space::Type => "type value",
            Space::RealType => "type value (not an attribute)",
            Space::User => "user value",
            Space::Bool => "boolean value",
            Space::Sens => "sensitivity value",
            Space::Cat => "category value",
        }
    }
}

/// For each space, which values exist (index = value; index 0 is never valid).
#[derive(Default)]
pub(super) struct Spaces {
    sets: [Vec<bool>; 8],
}

impl Spaces {
    fn of(db: &PolicyDb) -> Spaces {
        fn dense(n: usize) -> Vec<bool> {
            let mut v = vec![true; n + 1];
            v[0] = false;
            v
        }
        let mut s = Spaces::default();
        s.sets[Space::Class as usize] = dense(db.classes.len());
        s.sets[Space::Role as usize] = std::iter::once(false)
            .chain(db.roles.iter().map(|r| r.is_some()))
            .collect();
        s.sets[Space::Type as usize] = dense(db.types.len());
        s.sets[Space::RealType as usize] = std::iter::once(false)
            .chain(db.types.iter().map(|t| t.flavor == TypeFlavor::Type))
            .collect();
        s.sets[Space::User as usize] = dense(db.users.len());
        s.sets[Space::Bool as usize] = dense(db.bools.len());
        let mut sens = vec![false; db.sens.len() + 1];
        for r in db.sens.iter().filter(|r| !r.alias) {
            if let Some(slot) = sens.get_mut(r.level.sens as usize) {
                *slot = r.level.sens != 0;
            }
        }
        s.sets[Space::Sens as usize] = sens;
        let mut cats = vec![false; db.cats.len() + 1];
        for c in db.cats.iter().filter(|c| !c.alias) {
            if let Some(slot) = cats.get_mut(c.value as usize) {
                *slot = c.value != 0;
            }
        }
        s.sets[Space::Cat as usize] = cats;
        s
    }

    pub(super) fn has(&self, space: Space, value: u32) -> bool {
        self.sets[space as usize]
            .get(value as usize)
            .copied()
            .unwrap_or(false)
    }

    /// The first bit of `bits` (bit = value - 1) that names no value of `space`.
    fn bad_bit(&self, space: Space, bits: &Ebitmap) -> Option<u32> {
        bits.iter().find(|&b| !self.has(space, b + 1))
    }
}

/// A check that needs symbol tables read after the item.
pub(super) enum Check {
    Value(Space, u32),
    Bits(Space, Ebitmap),
    Range(Range),
    Level(Level),
}

/// A deferred check with where it came from.
pub(super) struct Deferred {
    offset: usize,
    ctx: Vec<String>,
    check: Check,
}

/// The reader's state: the cursor, the policy built so far, the deferred checks, and
/// (once the symbol tables are read) the value spaces.
pub(super) struct Reader<'a> {
    pub(super) d: Decoder<'a>,
    pub(super) db: PolicyDb,
    deferred: Vec<Deferred>,
    pub(super) spaces: Spaces,
}

impl Reader<'_> {
    /// Records a check to run once the symbol tables are complete.
    pub(super) fn defer(&mut self, offset: usize, check: Check) {
        self.deferred.push(Deferred {
            offset,
            ctx: self.d.ctx(),
            check,
        });
    }

    /// Checks a value now (after the symbol tables).
    pub(super) fn value(&self, offset: usize, space: Space, v: u32) -> Result<u32> {
        if self.spaces.has(space, v) {
            Ok(v)
        } else {
            self.d.out_of_range(offset, space.name(), v.into())
        }
    }

    /// Checks a value now (as [`Reader::value`]) and makes it the id `I` of its kind.
    pub(super) fn id<I: SymbolId>(&self, offset: usize, space: Space, v: u32) -> Result<I> {
        self.value(offset, space, v)?;
        I::from_value(v).map_or_else(|| self.d.out_of_range(offset, space.name(), 0), Ok)
    }

    /// Reads a `u32` value and checks it now, as the id `I` of its kind.
    pub(super) fn read_id<I: SymbolId>(&mut self, space: Space) -> Result<I> {
        let at = self.d.pos();
        let v = self.d.u32()?;
        self.id(at, space, v)
    }

    /// Checks a bitmap now (after the symbol tables).
    pub(super) fn bits(&self, offset: usize, space: Space, bits: &Ebitmap) -> Result<()> {
        match self.spaces.bad_bit(space, bits) {
            None => Ok(()),
            Some(b) => self.d.out_of_range(offset, space.name(), u64::from(b) + 1),
        }
    }

    /// §3.3/§15: in MLS policies a level is valid when its sensitivity exists and its
    /// categories are allowed for that sensitivity. Non-MLS policies carry levels that
    /// libsepol and Xen read and ignore (checkpolicy writes zeros), so any is accepted.
    fn level_ok(&self, l: &Level) -> std::result::Result<(), &'static str> {
        if !self.db.mls {
            return Ok(());
        }
        if !self.spaces.has(Space::Sens, l.sens) {
            return Err("level names an undefined sensitivity");
        }
        if self.spaces.bad_bit(Space::Cat, &l.cats).is_some() {
            return Err("level names an undefined category");
        }
        let allowed = self
            .db
            .sens
            .iter()
            .find(|s| !s.alias && s.level.sens == l.sens)
            .map(|s| &s.level.cats);
        if allowed.is_some_and(|a| !l.cats.is_subset(a)) {
            return Err("level has a category not allowed for its sensitivity");
        }
        Ok(())
    }

    fn range_ok(&self, r: &Range) -> std::result::Result<(), &'static str> {
        self.level_ok(&r.low)?;
        self.level_ok(&r.high)?;
        if self.db.mls && r.high.sens < r.low.sens || !r.low.cats.is_subset(&r.high.cats) {
            return Err("range high level does not dominate the low level");
        }
        Ok(())
    }

    /// Checks a range now.
    pub(super) fn range(&self, offset: usize, r: &Range) -> Result<()> {
        self.range_ok(r).or_else(|why| self.d.invalid(offset, why))
    }

    /// §3.4: reads a context and checks its values (after the symbol tables).
    pub(super) fn context(&mut self) -> Result<Context> {
        let at = self.d.pos();
        let user = self.d.u32()?;
        let role = self.d.u32()?;
        let ty = self.d.u32()?;
        self.value(at, Space::User, user)?;
        self.value(at + 4, Space::Role, role)?;
        self.value(at + 8, Space::RealType, ty)?;
        let range = if self.d.version >= V_MLS {
            let at = self.d.pos();
            let r = self.d.range()?;
            self.range(at, &r)?;
            r
        } else {
            Range::default()
        };
        let context = Context {
            user,
            role,
            ty,
            range,
        };
        if !self.context_is_valid(&context) {
            return self.d.invalid(at, "invalid security context");
        }
        Ok(context)
    }

    /// libsepol's `policydb_context_isvalid`, which its reader applies to every context:
    /// unless the role is `object_r`, the role may have the type and the user the role;
    /// with MLS, the range lies within the user's. (Contexts follow every symbol table,
    /// so the values are known here.)
    fn context_is_valid(&self, c: &Context) -> bool {
        if c.role == 1 {
            return true;
        }
        let index = |v: u32| (v as usize).checked_sub(1);
        let role = index(c.role).and_then(|i| self.db.roles.get(i)?.as_ref());
        let user = index(c.user).and_then(|i| self.db.users.get(i));
        let (Some(role), Some(user), Some(ty)) = (role, user, c.ty.checked_sub(1)) else {
            return false;
        };
        let dominates = |a: &Level, b: &Level| a.sens >= b.sens && b.cats.is_subset(&a.cats);
        role.types.get(ty)
            && user.roles.get(c.role - 1)
            && (!self.db.mls
                || (dominates(&c.range.high, &c.range.low)
                    && dominates(&c.range.low, &user.range.low)
                    && dominates(&user.range.high, &c.range.high)))
    }

    /// Runs the deferred checks once every symbol table is read.
    fn run_deferred(&mut self) -> Result<()> {
        self.spaces = Spaces::of(&self.db);
        for d in std::mem::take(&mut self.deferred) {
            let fail = |kind| Err(ReadError::new(kind, d.offset, d.ctx.clone()));
            let outcome = match &d.check {
                Check::Value(space, v) => {
                    (!self.spaces.has(*space, *v)).then(|| ReadErrorKind::OutOfRange {
                        what: space.name(),
                        value: (*v).into(),
                    })
                }
                Check::Bits(space, bits) => {
                    self.spaces
                        .bad_bit(*space, bits)
                        .map(|b| ReadErrorKind::OutOfRange {
                            what: space.name(),
                            value: u64::from(b) + 1,
                        })
                }
                Check::Range(r) => self.range_ok(r).err().map(ReadErrorKind::Invalid),
                Check::Level(l) => self.level_ok(l).err().map(ReadErrorKind::Invalid),
            };
            if let Some(kind) = outcome {
                return fail(kind);
            }
        }
        Ok(())
    }
}

/// §1: magic, target, version, config, table counts, policycaps, permissive map.
fn read_header(r: &mut Reader) -> Result<format::Compat> {
    let d = &mut r.d;
    let magic = d.u32()?;
    if magic != format::MAGIC {
        return Err(d.error_at(0, ReadErrorKind::BadMagic(magic)));
    }
    let at = d.pos();
    let len = d.u32()?;
    if len != 8 {
        return Err(d.error_at(at, ReadErrorKind::BadTarget));
    }
    let target = match d.take(8)? {
        b"XenFlask" => Target::Xen,
        b"SE Linux" => Target::Selinux,
        _ => return Err(d.error_at(at + 4, ReadErrorKind::BadTarget)),
    };
    d.target = target;
    let at = d.pos();
    let version = d.u32()?;
    let compat = format::compat(target, version)
        .ok_or_else(|| d.error_at(at, ReadErrorKind::UnsupportedVersion { target, version }))?;
    d.version = version;
    let at = d.pos();
    let config = d.u32()?;
    let unknown = config & CONFIG_UNKNOWN_MASK;
    let mls = config & CONFIG_MLS != 0;
    if config & !(CONFIG_MLS | CONFIG_UNKNOWN_MASK) != 0 || unknown == 6 || (mls && version < V_MLS)
    {
        return Err(d.error_at(at, ReadErrorKind::BadConfig(config)));
    }
    for (what, expected) in [
        ("symbol table count", compat.sym_num),
        ("ocontext list count", compat.ocon_num),
    ] {
        let at = d.pos();
        let found = d.u32()?;
        if found != expected {
            return Err(d.error_at(
                at,
                ReadErrorKind::CompatMismatch {
                    what,
                    found,
                    expected,
                },
            ));
        }
    }
    r.db = PolicyDb::new(target, mls);
    r.db.handle_unknown = match unknown {
        2 => HandleUnknown::Reject,
        4 => HandleUnknown::Allow,
        _ => HandleUnknown::Deny,
    };
    if version >= V_POLCAP {
        r.db.policycaps = r.d.within("policy capabilities", |d| {
            d.ebitmap(POLICYCAPS.len() as u32)
        })?;
    }
    Ok(compat)
}

pub(super) fn read(bytes: &[u8]) -> Result<ReadPolicy> {
    let mut r = Reader {
        d: Decoder::new(bytes),
        db: PolicyDb::new(Target::Selinux, false),
        deferred: Vec::new(),
        spaces: Spaces::default(),
    };
    let compat = read_header(&mut r)?;
    let mut permissive_at = None;
    if r.d.version >= V_PERMISSIVE {
        permissive_at = Some(r.d.pos());
        r.db.permissive =
            r.d.within("permissive map", |d| d.ebitmap(MAX_SYMBOLS + 1))?;
    }
    symbols::read_symbols(&mut r, compat.sym_num)?;
    r.run_deferred()?;
    if let Some(at) = permissive_at {
        // §1: bit = type value itself, so bit 0 is never set.
        let p = &r.db.permissive;
        if let Some(b) = p.iter().find(|&b| !r.spaces.has(Space::Type, b)) {
            return r.d.within("permissive map", |d| {
                d.out_of_range(at, "type value", b.into())
            });
        }
    }
    rules::read_rules(&mut r)?;
    ocontext::read_ocontexts(&mut r, compat.ocon_num)?;
    rules::read_tail(&mut r)?;
    if r.d.remaining() != 0 {
        return Err(r
            .d
            .error(ReadErrorKind::TrailingBytes(r.d.remaining() as u64)));
    }
    let version = r.d.version;
    // The file's hash order of aliases, sensitivities and categories carries no meaning.
    r.db.canonicalize();
    Ok(ReadPolicy { db: r.db, version })
}
