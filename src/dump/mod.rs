//! Text dumps of a policy database in the two forms `checkpolicy -b` prints: a
//! policy.conf (`-F`, [`to_conf`]) and CIL (`-C`, [`to_cil`]), byte-identical to
//! libsepol 3.4's `kernel_to_conf.c` / `kernel_to_cil.c` output.
//!
//! Both dumps sort most statements as strings (C `strcmp` order, which is byte order) and
//! keep a few in value order; this module holds what the two share: value-to-name tables,
//! permission strings, the ocontext sort of `sort_ocontexts`, and address formatting.
//! Quirks of libsepol 3.4 that show in the output are kept on purpose and marked.
#![warn(missing_docs)]

mod cil;
mod conf;

pub use cil::to_cil;
pub use conf::to_conf;

use crate::binary::format::{hash_order, sym};
use crate::policydb::{
    avkind, cexpr, AvtabEntry, CExprNode, Common, CondExprItem, CondNode, CondOp, Context, Ebitmap,
    HandleUnknown, Names, OContext, PolicyDb, Protocol, SelinuxOcon, Target, TypeFlavor, XenOcon,
    Xperms,
};
use std::fmt::Write as _;

/// A conditional expression as the policy.conf dump writes it (`! prot_doms_locked`).
pub fn cond_expr_text(db: &PolicyDb, expr: &[CondExprItem]) -> String {
    cond_str(&Names::new(db), expr, Dialect::Conf)
}

/// A constraint expression as the policy.conf dump writes it (`(u1 == u2 or t1 == dom0_t)`).
pub fn constraint_expr_text(db: &PolicyDb, expr: &[CExprNode]) -> String {
    conf::cexpr_str(&Names::new(db), expr)
}

/// A context as the policy.conf dump writes it (`system_u:object_r:nic_dev_t`, with its
/// range in an MLS policy).
pub fn context_text(db: &PolicyDb, c: &Context) -> String {
    conf::context(db, &Names::new(db), c)
}

/// The avtab kinds in the order both dumps print them.
const FLAVORS: [u16; 9] = [
    avkind::ALLOWED,
    avkind::AUDITALLOW,
    avkind::AUDITDENY,
    avkind::XPERMS_ALLOWED,
    avkind::XPERMS_AUDITALLOW,
    avkind::XPERMS_DONTAUDIT,
    avkind::TRANSITION,
    avkind::MEMBER,
    avkind::CHANGE,
];

/// A name, or "(null)" (what C's printf shows) for a value without one, as libsepol's
/// dumps print it.
fn null(name: Option<&str>) -> &str {
    name.unwrap_or("(null)")
}

/// Names of the set bits (bit = value - 1), skipping values without a name.
fn bit_names<'a>(bits: &Ebitmap, names: impl Fn(u32) -> Option<&'a str>) -> Vec<&'a str> {
    bits.iter().filter_map(|b| names(b + 1)).collect()
}

/// Sorts like `strs_sort` (C `strcmp`, i.e. byte order) and joins with `sep`.
fn sorted_join<S: AsRef<str>>(mut v: Vec<S>, sep: &str) -> String {
    v.sort_by(|a, b| a.as_ref().as_bytes().cmp(b.as_ref().as_bytes()));
    v.iter().map(|s| s.as_ref()).collect::<Vec<_>>().join(sep)
}

/// Writes one declaration per item, sorted by name as libsepol sorts the names before
/// it formats them (so `x1` comes before `x10` whatever follows the name).
fn write_by_name<T>(
    out: &mut String,
    mut items: Vec<T>,
    name: impl Fn(&T) -> &str,
    line: impl Fn(&T) -> String,
) {
    items.sort_by(|a, b| name(a).as_bytes().cmp(name(b).as_bytes()));
    for i in &items {
        out.push_str(&line(i));
        out.push('\n');
    }
}

/// Sorts lines like `strs_sort` and appends them, each indented by `indent` levels.
fn write_sorted(out: &mut String, mut lines: Vec<String>, indent: usize) {
    lines.sort_unstable();
    for l in lines {
        out.extend(std::iter::repeat_n("    ", indent));
        out.push_str(&l);
        out.push('\n');
    }
}

/// `sepol_av_to_string`: " p1 p2" (each name preceded by a space) for the bits below the
/// class's permission count. libsepol 3.4 quirk kept: a bit without a name repeats the
/// previous name.
fn perm_string(db: &PolicyDb, class: u32, av: u32) -> String {
    let Some(c) = (class as usize)
        .checked_sub(1)
        .and_then(|i| db.classes.get(i))
    else {
        return String::new();
    };
    let common = c
        .common
        .as_ref()
        .and_then(|n| db.commons.iter().find(|cm| &cm.name == n))
        .map_or(&[][..], |cm| &cm.perms[..]);
    let nprim = common.len() + c.perms.len();
    let mut out = String::new();
    let mut last: Option<&str> = None;
    for i in 0..nprim.min(32) {
        if av & (1 << i) == 0 {
            continue;
        }
        let name = if i < common.len() {
            common.get(i)
        } else {
            c.perms.get(i - common.len())
        };
        if let Some(n) = name {
            last = Some(n);
        }
        if let Some(n) = last {
            out.push(' ');
            out.push_str(n);
        }
    }
    out
}

/// A permission table's names in value order, joined by spaces.
fn perm_list(perms: &[String]) -> String {
    perms.join(" ")
}

/// Whether a type value is an attribute.
fn is_attr(db: &PolicyDb, v: u32) -> bool {
    (v as usize)
        .checked_sub(1)
        .and_then(|i| db.types.get(i))
        .is_some_and(|t| t.flavor == TypeFlavor::Attribute)
}

/// The target name of an AV rule: `self` when source equals target and is not an attribute.
fn rule_target<'a>(
    db: &PolicyDb,
    names: &Names<'a>,
    source: u16,
    target: u16,
    kind: u16,
) -> &'a str {
    if source == target && kind & avkind::TYPE_RULES == 0 && !is_attr(db, source.into()) {
        "self"
    } else {
        null(names.ty(target.into()))
    }
}

/// The name of an initial SID for the target.
fn sid_name(target: Target, sid: u32) -> String {
    crate::policydb::names::libsepol_sid_name(target, sid)
        .map_or_else(|| format!("UNKNOWN{sid}"), str::to_owned)
}

/// Alias names of the sensitivity or category table grouped by the value they alias, in
/// the table's hash order (the order libsepol meets them).
fn aliases_by_value(records: &[(&str, bool, u32)], initial: usize) -> Vec<(u32, Vec<String>)> {
    let names: Vec<&str> = records.iter().map(|r| r.0).collect();
    let mut out: Vec<(u32, Vec<String>)> = Vec::new();
    for i in hash_order(&names, initial, names.len()) {
        let (name, alias, value) = records[i];
        if !alias {
            continue;
        }
        match out.iter_mut().find(|e| e.0 == value) {
            Some(e) => e.1.push(name.to_owned()),
            None => out.push((value, vec![name.to_owned()])),
        }
    }
    out
}

fn sens_records(db: &PolicyDb) -> Vec<(&str, bool, u32)> {
    db.sens
        .iter()
        .map(|s| (s.name.as_str(), s.alias, s.level.sens))
        .collect()
}

fn cat_records(db: &PolicyDb) -> Vec<(&str, bool, u32)> {
    db.cats
        .iter()
        .map(|c| (c.name.as_str(), c.alias, c.value))
        .collect()
}

/// Initial sizes of the sensitivity and category tables (for alias order).
const SENS_TABLE: usize = sym::INITIAL_SIZES[sym::SENS];
const CATS_TABLE: usize = sym::INITIAL_SIZES[sym::CATS];

/// Runs of consecutive set bits as (first, last) pairs.
fn runs(bits: &Ebitmap) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for b in bits.iter() {
        match out.last_mut() {
            Some(r) if r.1 + 1 == b => r.1 = b,
            _ => out.push((b, b)),
        }
    }
    out
}

/// The ocontext lists as `sort_ocontexts` leaves them.
fn sorted_ocontexts(db: &PolicyDb) -> Vec<Vec<&OContext>> {
    let mut lists: Vec<Vec<&OContext>> = db.ocontexts.iter().map(|l| l.iter().collect()).collect();
    for list in &mut lists {
        list.sort_by(|a, b| crate::policydb::ocontext_cmp(a, b));
    }
    lists
}

pub(crate) use crate::policydb::words_bytes;

/// `inet_ntop(AF_INET)` of a stored address word.
fn ipv4(w: u32) -> String {
    let b = w.to_le_bytes();
    format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3])
}

/// `inet_ntop(AF_INET6)` as glibc formats it: the first longest run of two or more zero
/// groups becomes `::`, and IPv4-compatible or -mapped addresses end in dotted form.
fn ipv6(bytes: &[u8; 16]) -> String {
    let words: Vec<u16> = bytes
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    // Zero runs as (start, length).
    type Run = Option<(usize, usize)>;
    let (mut best, mut cur): (Run, Run) = (None, None);
    for (i, &w) in words.iter().enumerate() {
        if w == 0 {
            cur = Some(cur.map_or((i, 1), |(s, l)| (s, l + 1)));
            if best.is_none_or(|b| cur.is_some_and(|c| c.1 > b.1)) {
                best = cur;
            }
        } else {
            cur = None;
        }
    }
    let best = best.filter(|b| b.1 >= 2);
    let mut out = String::new();
    let mut i = 0;
    while i < 8 {
        if let Some((s, l)) = best {
            if i == s {
                out.push(':');
                if s + l == 8 {
                    out.push(':');
                }
                i += l;
                continue;
            }
        }
        if i > 0 {
            out.push(':');
        }
        let embedded = i == 6
            && best.is_some_and(|(s, l)| s == 0 && (l == 6 || (l == 5 && words[5] == 0xffff)));
        if embedded {
            out.push_str(&format!(
                "{}.{}.{}.{}",
                bytes[12], bytes[13], bytes[14], bytes[15]
            ));
            break;
        }
        out.push_str(&format!("{:x}", words[i]));
        i += 1;
    }
    out
}

/// `sepol_extended_perms_to_string`'s and `xperms_to_str`'s shared walk: the runs of set
/// bits of an xperm entry as (low, high) ioctl numbers and whether it was a run.
fn xperm_items(x: &Xperms) -> Vec<(u16, u16, bool)> {
    let test = |b: usize| x.perms[b >> 5] & (1 << (b & 31)) != 0;
    let mut out = Vec::new();
    let mut low = 0usize;
    let mut in_range = false;
    for bit in 0..256usize {
        if !test(bit) {
            continue;
        }
        let next = bit + 1 < 256 && test(bit + 1);
        if next {
            if !in_range {
                low = bit;
                in_range = true;
            }
            continue;
        }
        let (lo, hi) = if x.specified == 1 {
            let d = u16::from(x.driver) << 8;
            (
                d | if in_range { low as u16 } else { bit as u16 },
                d | bit as u16,
            )
        } else {
            let lo = if in_range { low } else { bit };
            ((lo as u16) << 8, ((bit as u16) << 8) | 0xff)
        };
        out.push((lo, hi, in_range || x.specified != 1));
        in_range = false;
    }
    out
}

/// Operand names of a constraint attribute (`attr1`, `attr2`).
fn cexpr_operands(attr: u32) -> Option<(&'static str, &'static str)> {
    use cexpr::*;
    const T_USER: u32 = USER | TARGET;
    const X_USER: u32 = USER | XTARGET;
    const T_ROLE: u32 = ROLE | TARGET;
    const X_ROLE: u32 = ROLE | XTARGET;
    const T_TYPE: u32 = TYPE | TARGET;
    const X_TYPE: u32 = TYPE | XTARGET;
    Some(match attr {
        USER => ("u1", "u2"),
        T_USER => ("u2", ""),
        X_USER => ("u3", ""),
        ROLE => ("r1", "r2"),
        T_ROLE => ("r2", ""),
        X_ROLE => ("r3", ""),
        TYPE => ("t1", "t2"),
        T_TYPE => ("t2", ""),
        X_TYPE => ("t3", ""),
        L1L2 => ("l1", "l2"),
        L1H2 => ("l1", "h2"),
        H1L2 => ("h1", "l2"),
        H1H2 => ("h1", "h2"),
        L1H1 => ("l1", "h1"),
        L2H2 => ("l2", "h2"),
        _ => return None,
    })
}

/// The names of a NAMES node, sorted: the type set for types, the names bitmap otherwise.
fn cexpr_names<'a>(n: &Names<'a>, e: &CExprNode) -> Vec<&'a str> {
    let v = if e.attr & cexpr::TYPE != 0 {
        bit_names(&e.type_set.types, |v| Some(null(n.ty(v))))
    } else if e.attr & cexpr::USER != 0 {
        bit_names(&e.names, |v| Some(null(n.user(v))))
    } else {
        bit_names(&e.names, |v| n.role(v))
    };
    let mut v = v;
    v.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    v
}

/// The handle_unknown setting's name.
fn unknown_name(db: &PolicyDb) -> &'static str {
    match db.handle_unknown {
        HandleUnknown::Deny => "deny",
        HandleUnknown::Reject => "reject",
        HandleUnknown::Allow => "allow",
    }
}

/// Names of default_user/role/type values (1 source, 2 target).
fn default_side(v: u32) -> &'static str {
    if v == 1 {
        "source"
    } else {
        "target"
    }
}

/// Names of default_range values 1..7.
fn default_range_name(v: u32) -> &'static str {
    match v {
        1 => "source low",
        2 => "source high",
        3 => "source low-high",
        4 => "target low",
        5 => "target high",
        6 => "target low-high",
        _ => "glblub",
    }
}

/// The commons inherited by classes, once each, in the order classes name them.
fn used_commons(db: &PolicyDb) -> Vec<&Common> {
    let mut out: Vec<&Common> = Vec::new();
    for name in db.classes.iter().filter_map(|c| c.common.as_ref()) {
        if out.iter().all(|c| &c.name != name) {
            out.extend(db.commons.iter().find(|c| &c.name == name));
        }
    }
    out
}

/// The initial SIDs of list 0 by SID number (later duplicates dropped, as libsepol's
/// index-keyed list keeps one per number).
fn isids<'a>(lists: &[Vec<&'a OContext>]) -> Vec<(u32, &'a Context)> {
    let mut out: Vec<(u32, &Context)> = lists
        .first()
        .into_iter()
        .flatten()
        .filter_map(|o| match o {
            OContext::Isid { sid, context } => Some((*sid, context)),
            _ => None,
        })
        .collect();
    out.sort_by_key(|s| s.0);
    out.dedup_by_key(|s| s.0);
    out
}

/// Operand `i` of an operator, empty when a malformed expression lacks it.
fn arg(args: &[String], i: usize) -> &str {
    args.get(i).map_or("", String::as_str)
}

/// Folds a postfix expression: each item takes `arity(item)` operands off the stack (in
/// order) and pushes `render(item, operands)`.
fn fold_rpn<T>(
    items: &[T],
    arity: impl Fn(&T) -> usize,
    render: impl Fn(&T, &[String]) -> String,
) -> String {
    let mut stack: Vec<String> = Vec::new();
    for item in items {
        let n = arity(item).min(stack.len());
        let args = stack.split_off(stack.len() - n);
        stack.push(render(item, &args));
    }
    stack.pop().unwrap_or_default()
}

/// Operands each constraint expression node takes.
fn cexpr_arity(e: &CExprNode) -> usize {
    match e.kind {
        cexpr::NOT => 1,
        cexpr::AND | cexpr::OR => 2,
        _ => 0,
    }
}

/// Operands each conditional expression item takes.
fn cond_arity(e: &CondExprItem) -> usize {
    e.kind.arity()
}

/// Which dump a piece of text is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    /// policy.conf (`checkpolicy -F`).
    Conf,
    /// CIL (`checkpolicy -C`).
    Cil,
}

/// A conditional expression: policy.conf writes `! a` and `(a && b)`, CIL `(not a)` and
/// `(and a b)`.
fn cond_str(n: &Names, expr: &[CondExprItem], dialect: Dialect) -> String {
    let cil = dialect == Dialect::Cil;
    fold_rpn(expr, cond_arity, |e, args| {
        let (conf_op, cil_op) = match e.kind {
            CondOp::Bool => return null(n.boolean(e.bool_value)).to_owned(),
            CondOp::Not if cil => return format!("(not {})", arg(args, 0)),
            CondOp::Not => return format!("! {}", arg(args, 0)),
            CondOp::Or => ("||", "or"),
            CondOp::And => ("&&", "and"),
            CondOp::Xor => ("^", "xor"),
            CondOp::Eq => ("==", "eq"),
            CondOp::Neq => ("!=", "neq"),
        };
        if cil {
            format!("({cil_op} {} {})", arg(args, 0), arg(args, 1))
        } else {
            format!("({} {conf_op} {})", arg(args, 0), arg(args, 1))
        }
    })
}

/// Constraint (or validatetrans) statements split into (MLS, other). libsepol 3.4 counts
/// an expression as MLS when any operand attribute is `xtarget` (16) or above. `line`
/// gets the keyword, the class, the permissions (constraints only) and the expression.
fn constraint_lines(
    db: &PolicyDb,
    validatetrans: bool,
    expr: impl Fn(&[CExprNode]) -> String,
    line: impl Fn(&str, &str, Option<&str>, &str) -> String,
) -> (Vec<String>, Vec<String>) {
    let (mut mls, mut plain) = (Vec::new(), Vec::new());
    for (i, c) in db.classes.iter().enumerate() {
        let list = if validatetrans {
            &c.validatetrans
        } else {
            &c.constraints
        };
        for con in list.iter().filter(|con| validatetrans || con.perms != 0) {
            let is_mls = con
                .expr
                .iter()
                .any(|e| matches!(e.kind, cexpr::ATTR | cexpr::NAMES) && e.attr >= cexpr::XTARGET);
            let kw = match (validatetrans, is_mls) {
                (false, false) => "constrain",
                (false, true) => "mlsconstrain",
                (true, false) => "validatetrans",
                (true, true) => "mlsvalidatetrans",
            };
            let perms = (!validatetrans).then(|| perm_string(db, i as u32 + 1, con.perms));
            let perms = perms.as_deref().map(|p| p.get(1..).unwrap_or(""));
            let l = line(kw, &c.name, perms, &expr(&con.expr));
            if is_mls {
                mls.push(l)
            } else {
                plain.push(l)
            }
        }
    }
    (mls, plain)
}

/// An entry list's rules, kind by kind in [`FLAVORS`] order, each kind sorted.
fn write_avtab(
    o: &mut String,
    list: &[AvtabEntry],
    indent: usize,
    rule: impl Fn(&AvtabEntry) -> String,
) {
    for flavor in FLAVORS {
        let rules = list
            .iter()
            .filter(|e| e.key.specified & flavor != 0)
            .map(&rule);
        write_sorted(o, rules.collect(), indent);
    }
}

/// Conditional nodes with their expressions, sorted by expression text.
fn sorted_conds(
    db: &PolicyDb,
    expr: impl Fn(&[CondExprItem]) -> String,
) -> Vec<(String, &CondNode)> {
    let mut nodes: Vec<_> = db.cond_list.iter().map(|c| (expr(&c.expr), c)).collect();
    nodes.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    nodes
}

/// The permission list of an AV entry's data (`dontaudit` stores the complement).
fn av_perms(db: &PolicyDb, e: &AvtabEntry) -> String {
    let kind = e.key.specified & 0xFFF;
    let data = if kind == avkind::AUDITDENY {
        !e.data
    } else {
        e.data
    };
    let perms = perm_string(db, e.key.class.into(), data);
    perms.get(1..).unwrap_or("").to_owned()
}

/// Whether an entry is one of the three AV kinds.
fn is_av(e: &AvtabEntry) -> bool {
    e.key.specified & (avkind::ALLOWED | avkind::AUDITALLOW | avkind::AUDITDENY) != 0
}

/// One statement: `KEYWORD ARGS` in policy.conf, `(KEYWORD ARGS)` in CIL.
fn statement(dialect: Dialect, words: &[&str]) -> String {
    match dialect {
        Dialect::Conf => words.join(" "),
        Dialect::Cil => format!("({})", words.join(" ")),
    }
}

/// A port, key or address range: `LOW` when it is one, else `LOW-HIGH` in policy.conf and
/// `(LOW HIGH)` in CIL; in hex for Xen's I/O ports and memory.
fn low_high(dialect: Dialect, low: u64, high: u64, hex: bool) -> String {
    let one = |v: u64| {
        if hex {
            format!("0x{v:x}")
        } else {
            v.to_string()
        }
    };
    match (low == high, dialect) {
        (true, _) => one(low),
        (false, Dialect::Conf) => format!("{}-{}", one(low), one(high)),
        (false, Dialect::Cil) => format!("({} {})", one(low), one(high)),
    }
}

/// The word a `genfscon` gives a file class: `--`, `-d` ... in policy.conf, `file`, `dir`
/// ... in CIL; `None` for a class that has none.
fn genfs_class_word(dialect: Dialect, class: &str) -> Option<&'static str> {
    const WORDS: [(&str, &str, &str); 7] = [
        ("file", "--", "file"),
        ("dir", "-d", "dir"),
        ("chr_file", "-c", "char"),
        ("blk_file", "-b", "block"),
        ("sock_file", "-s", "socket"),
        ("fifo_file", "-p", "pipe"),
        ("lnk_file", "-l", "symlink"),
    ];
    let (_, conf, cil) = WORDS.iter().find(|w| w.0 == class)?;
    Some(if dialect == Dialect::Cil { cil } else { conf })
}

/// The `genfscon` statements, sorted.
fn genfscon(
    o: &mut String,
    db: &PolicyDb,
    n: &Names,
    dialect: Dialect,
    ctx: &dyn Fn(&Context) -> String,
) {
    let mut lines = Vec::new();
    for g in &db.genfs {
        for e in &g.entries {
            let path = format!("\"{}\"", e.path);
            let class = (e.sclass != 0)
                .then(|| genfs_class_word(dialect, null(n.class(e.sclass))))
                .flatten();
            let c = ctx(&e.context);
            let mut words = vec!["genfscon", &g.fstype, &path];
            words.extend(class);
            words.push(&c);
            lines.push(statement(dialect, &words));
        }
    }
    write_sorted(o, lines, 0);
}

/// The object-context statements (initial SIDs' contexts first), one walk for both
/// dialects: in libsepol's order of each, which differ only for Xen (policy.conf lists
/// genfs first and I/O memory before I/O ports).
fn ocontexts(
    o: &mut String,
    db: &PolicyDb,
    n: &Names,
    lists: &[Vec<&OContext>],
    dialect: Dialect,
    ctx: &dyn Fn(&Context) -> String,
) {
    let sid = if dialect == Dialect::Cil {
        "sidcontext"
    } else {
        "sid"
    };
    for (s, c) in isids(lists) {
        let _ = writeln!(
            o,
            "{}",
            statement(dialect, &[sid, &sid_name(db.target, s), &ctx(c)])
        );
    }
    let order: &[usize] = match (db.target, dialect) {
        (Target::Selinux, _) => &[
            SelinuxOcon::FsUse.index(),
            usize::MAX,
            SelinuxOcon::Port.index(),
            SelinuxOcon::Netif.index(),
            SelinuxOcon::Node.index(),
            SelinuxOcon::Node6.index(),
            SelinuxOcon::Ibpkey.index(),
            SelinuxOcon::Ibendport.index(),
        ],
        (Target::Xen, Dialect::Conf) => &[
            usize::MAX,
            XenOcon::Pirq.index(),
            XenOcon::Iomem.index(),
            XenOcon::Ioport.index(),
            XenOcon::Pcidevice.index(),
            XenOcon::Devicetree.index(),
        ],
        (Target::Xen, Dialect::Cil) => &[
            XenOcon::Pirq.index(),
            XenOcon::Ioport.index(),
            XenOcon::Iomem.index(),
            XenOcon::Pcidevice.index(),
            XenOcon::Devicetree.index(),
        ],
    };
    for &list in order {
        // The genfs statements stand where usize::MAX does.
        if list == usize::MAX {
            genfscon(o, db, n, dialect, ctx);
            continue;
        }
        for oc in lists.get(list).into_iter().flatten() {
            if let Some(line) = ocontext_statement(dialect, oc, ctx) {
                let _ = writeln!(o, "{line}");
            }
        }
    }
}

/// One object context as a statement (`None` for initial SIDs, written apart).
fn ocontext_statement(
    dialect: Dialect,
    oc: &OContext,
    ctx: &dyn Fn(&Context) -> String,
) -> Option<String> {
    let port = |low: u32, high: u32| {
        low_high(
            dialect,
            (low & 0xFFFF).into(),
            (high & 0xFFFF).into(),
            false,
        )
    };
    // CIL writes node addresses in parentheses.
    let addr = |a: String| match dialect {
        Dialect::Conf => a,
        Dialect::Cil => format!("({a})"),
    };
    let st = |words: &[&str]| statement(dialect, words);
    Some(match oc {
        OContext::Isid { .. } => return None,
        OContext::FsUse {
            behavior,
            name,
            context,
        } => match dialect {
            Dialect::Conf => format!("fs_use_{} {name} {};", behavior.name(), ctx(context)),
            Dialect::Cil => st(&["fsuse", behavior.name(), name, &ctx(context)]),
        },
        OContext::Port {
            protocol,
            low,
            high,
            context,
        } => {
            // libsepol names any other number sctp.
            let p = Protocol::from_number(*protocol).map_or("sctp", Protocol::name);
            st(&["portcon", p, &port(*low, *high), &ctx(context)])
        }
        OContext::Netif {
            name,
            context,
            context2,
        } => st(&["netifcon", name, &ctx(context), &ctx(context2)]),
        OContext::Node {
            addr: a,
            mask,
            context,
        } => st(&[
            "nodecon",
            &addr(ipv4(*a)),
            &addr(ipv4(*mask)),
            &ctx(context),
        ]),
        OContext::Node6 {
            addr: a,
            mask,
            context,
        } => {
            let (a, m) = (ipv6(&words_bytes(a)), ipv6(&words_bytes(mask)));
            st(&["nodecon", &addr(a), &addr(m), &ctx(context)])
        }
        OContext::Ibpkey {
            subnet_prefix,
            low,
            high,
            context,
        } => {
            let mut b = [0u8; 16];
            b[..8].copy_from_slice(&subnet_prefix.to_le_bytes());
            st(&["ibpkeycon", &ipv6(&b), &port(*low, *high), &ctx(context)])
        }
        OContext::Ibendport {
            name,
            port: p,
            context,
        } => st(&["ibendportcon", name, &p.to_string(), &ctx(context)]),
        OContext::Pirq { pirq, context } => {
            st(&["pirqcon", &(*pirq as i32).to_string(), &ctx(context)])
        }
        OContext::Ioport { low, high, context } => st(&[
            "ioportcon",
            &low_high(dialect, (*low).into(), (*high).into(), true),
            &ctx(context),
        ]),
        OContext::Iomem { low, high, context } => st(&[
            "iomemcon",
            &low_high(dialect, *low, *high, true),
            &ctx(context),
        ]),
        OContext::Pcidevice { device, context } => {
            st(&["pcidevicecon", &format!("0x{device:x}"), &ctx(context)])
        }
        OContext::Devicetree { path, context } => {
            st(&["devicetreecon", &format!("\"{path}\""), &ctx(context)])
        }
        OContext::Fs { .. } => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_like_glibc() {
        let mut b = [0u8; 16];
        assert_eq!(ipv6(&b), "::");
        b[15] = 1;
        assert_eq!(ipv6(&b), "::1");
        let mapped = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1];
        assert_eq!(ipv6(&mapped), "::ffff:127.0.0.1");
        let mut fe80 = [0u8; 16];
        fe80[0] = 0xfe;
        fe80[1] = 0x80;
        assert_eq!(ipv6(&fe80), "fe80::");
        assert_eq!(ipv6(&[0xff; 16]), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
        let one_zero = [0, 1, 0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7];
        assert_eq!(ipv6(&one_zero), "1:0:2:3:4:5:6:7");
    }

    #[test]
    fn runs_of_bits() {
        let e: Ebitmap = [0, 1, 2, 5, 7, 8].into_iter().collect();
        assert_eq!(runs(&e), vec![(0, 2), (5, 5), (7, 8)]);
    }
}
