//! Rule sections (binary-format.md §5, §6, §7, §9, §10), checked against the symbol tables.

use super::{Reader, Result, Space, MAX_COND_DEPTH, MAX_SYMBOLS};
use crate::binary::format::{
    self, OLD_AVTAB_ENABLED, OLD_AVTAB_KINDS, V_AVTAB, V_BOOL, V_COMPAT_FILENAME_TRANS,
    V_FILENAME_TRANS, V_MLS, V_RANGETRANS, V_ROLETRANS, V_XPERMS_IOCTL,
};
use crate::binary::ReadErrorKind;
use crate::policydb::{
    avkind, to_u16, AvtabEntry, AvtabKey, ClassId, CondExprItem, CondNode, CondOp, FilenameTrans,
    RangeTrans, RoleAllow, RoleId, RoleTrans, Target, TypeId, Xperms,
};
use std::collections::{HashMap, HashSet};

/// The largest number of entries of one rule list.
const MAX_RULES: u32 = u32::MAX;

/// An avtab key without the ENABLED flag, for duplicate checks.
type Triple = (u16, u16, u16, u16);

/// What makes an entry unique: its key without ENABLED and, for extended permissions,
/// the (kind, driver) slot, since libsepol keeps one entry per driver under one key.
type Slot = (Triple, Option<(u8, u8)>);

fn triple(k: &AvtabKey) -> Triple {
    (k.source, k.target, k.class, k.specified & !avkind::ENABLED)
}

/// §5.1: one entry (or, before V20, one word list that may hold several kinds), checked.
fn read_entry(r: &mut Reader, cond: bool, out: &mut Vec<AvtabEntry>) -> Result<()> {
    let at = r.d.pos();
    if r.d.version < V_AVTAB {
        let n = r.d.count("entry word count", 4, 10)?;
        if n < 5 {
            return r.d.invalid(at, "avtab entry too short");
        }
        let mut w = [0u32; 4];
        for x in &mut w {
            *x = r.d.u32()?;
        }
        let [s, t, c, spec] = w;
        let enabled = spec & OLD_AVTAB_ENABLED != 0;
        let kinds: Vec<u16> = OLD_AVTAB_KINDS
            .iter()
            .copied()
            .filter(|&k| spec & u32::from(k) != 0)
            .collect();
        if kinds.len() != n - 4 || spec & !0x8000_0077 != 0 || (enabled && !cond) {
            return r
                .d
                .invalid(at, "avtab entry kinds disagree with its word count");
        }
        for kind in kinds {
            let data = r.d.u32()?;
            let specified = kind | if enabled { avkind::ENABLED } else { 0 };
            let key = AvtabKey {
                source: narrow(r, at, s)?,
                target: narrow(r, at, t)?,
                class: narrow(r, at, c)?,
                specified,
            };
            let e = AvtabEntry { key, data };
            check_entry(r, at, &e, false)?;
            out.push(e);
        }
        return Ok(());
    }
    let key = AvtabKey {
        source: r.d.u16()?,
        target: r.d.u16()?,
        class: r.d.u16()?,
        specified: r.d.u16()?,
    };
    let kind = key.specified & !avkind::ENABLED;
    if key.specified & avkind::ENABLED != 0 && !cond {
        return r
            .d
            .invalid(at + 6, "enabled flag outside a conditional list");
    }
    let xperm_ok = r.d.target == Target::Selinux && r.d.version >= V_XPERMS_IOCTL;
    let is_xperm = kind & avkind::XPERMS != 0 && xperm_ok;
    let entry = if is_xperm {
        let xat = r.d.pos();
        let specified = r.d.u8()?;
        let driver = r.d.u8()?;
        if !(1..=2).contains(&specified) {
            return r.d.out_of_range(xat, "xperms kind", specified.into());
        }
        let mut perms = [0u32; 8];
        for p in &mut perms {
            *p = r.d.u32()?;
        }
        // The payload goes to the side table the entry's data indexes.
        r.db.xperms.push(Xperms {
            specified,
            driver,
            perms,
        });
        AvtabEntry {
            key,
            data: r.db.xperms.len() as u32 - 1,
        }
    } else {
        AvtabEntry {
            key,
            data: r.d.u32()?,
        }
    };
    check_entry(r, at, &entry, is_xperm)?;
    out.push(entry);
    Ok(())
}

fn narrow(r: &Reader, at: usize, v: u32) -> Result<u16> {
    to_u16("avtab key", v).or_else(|e| r.d.out_of_range(at, "avtab key value", e.value.into()))
}

/// §15: key values in range, exactly one kind, type-rule data a real type.
fn check_entry(r: &Reader, at: usize, e: &AvtabEntry, has_xperms: bool) -> Result<()> {
    let k = e.key;
    r.value(at, Space::Type, k.source.into())?;
    r.value(at + 2, Space::Type, k.target.into())?;
    r.value(at + 4, Space::Class, k.class.into())?;
    let kind = k.specified & !avkind::ENABLED;
    let known = [
        avkind::ALLOWED,
        avkind::AUDITALLOW,
        avkind::AUDITDENY,
        avkind::TRANSITION,
        avkind::MEMBER,
        avkind::CHANGE,
        avkind::XPERMS_ALLOWED,
        avkind::XPERMS_AUDITALLOW,
        avkind::XPERMS_DONTAUDIT,
    ];
    if !known.contains(&kind) || (kind & avkind::XPERMS != 0 && !has_xperms) {
        return r
            .d
            .out_of_range(at + 6, "avtab entry kind", k.specified.into());
    }
    if kind & avkind::TYPE_RULES != 0 {
        r.value(at + 8, Space::RealType, e.data)?;
    }
    Ok(())
}

/// Reads a counted entry list, rejecting a repeated (key, kind) within it.
fn read_entries(r: &mut Reader, cond: bool, what: &'static str) -> Result<Vec<AvtabEntry>> {
    let min = if r.d.version < V_AVTAB { 24 } else { 12 };
    let n = r.d.count(what, min, MAX_RULES)?;
    let mut out = Vec::with_capacity(n);
    let mut seen: HashSet<Slot> = HashSet::with_capacity(n);
    // Old-format items of the unconditional table combine the AV (or the type) kinds of
    // one key, as checkpolicy merges them, so such a key may not come back in a later
    // item: writing would merge it into the first.
    let merged = r.d.version < V_AVTAB && !cond;
    let mut old_keys = HashSet::new();
    for i in 0..n {
        let at = r.d.pos();
        let start = out.len();
        read_entry(r, cond, &mut out).map_err(|e| e.within(format!("entry {i}")))?;
        let item_keys: HashSet<_> = out[start..]
            .iter()
            .map(|e| {
                let type_rule = e.key.specified & avkind::TYPE_RULES != 0;
                (e.key.source, e.key.target, e.key.class, type_rule)
            })
            .collect();
        if merged && item_keys.iter().any(|k| old_keys.contains(k)) {
            return r
                .d
                .invalid(at, "old-format avtab key repeated in a later entry");
        }
        old_keys.extend(item_keys);
        for e in &out[start..] {
            let xslot = (e.key.specified & avkind::XPERMS != 0).then(|| {
                let x = &r.db.xperms[e.data as usize];
                (x.specified, x.driver)
            });
            if !seen.insert((triple(&e.key), xslot)) {
                return Err(r
                    .d
                    .error_at(
                        at,
                        ReadErrorKind::Duplicate {
                            what: "avtab entry",
                            name: format!("{}:{}:{}", e.key.source, e.key.target, e.key.class),
                        },
                    )
                    .within(format!("entry {i}")));
            }
        }
    }
    Ok(out)
}

/// avtab, conditional list, role_trans, role_allow, filename_trans (§2 items 4–8).
pub(super) fn read_rules(r: &mut Reader) -> Result<()> {
    r.d.ctx_push("avtab");
    let at = r.d.pos();
    let avtab = read_entries(r, false, "entry count")?;
    if avtab.is_empty() {
        // §5.1: libsepol (and so Xen's loader, checkpolicy -b and setools) refuse an empty
        // table, although checkpolicy writes one for a policy without rules.
        return r.d.invalid(at, "table is empty");
    }
    r.d.ctx_pop();
    let uncond_types: HashSet<Triple> = avtab
        .iter()
        .filter(|e| e.key.specified & avkind::TYPE_RULES != 0)
        .map(|e| triple(&e.key))
        .collect();
    r.db.avtab = avtab;
    if r.d.version >= V_BOOL {
        r.d.ctx_push("conditional list");
        let n = r.d.count("node count", 16, MAX_RULES)?;
        // Type rules: where each key appeared (node, branch), §15.
        let mut type_keys: HashMap<Triple, (usize, bool)> = HashMap::new();
        for i in 0..n {
            r.d.ctx_push(format!("node {i}"));
            let node = read_cond_node(r)?;
            for (branch, list) in [(true, &node.true_list), (false, &node.false_list)] {
                for e in list
                    .iter()
                    .filter(|e| e.key.specified & avkind::TYPE_RULES != 0)
                {
                    let t = triple(&e.key);
                    let clash = uncond_types.contains(&t)
                        || type_keys
                            .insert(t, (i, branch))
                            .is_some_and(|(j, b)| j != i || b == branch);
                    if clash {
                        return r
                            .d
                            .invalid(r.d.pos(), "conditional type rule duplicates another");
                    }
                }
            }
            r.db.cond_list.push(node);
            r.d.ctx_pop();
        }
        r.d.ctx_pop();
    }
    r.d.ctx_push("role transitions");
    let min = if r.d.version >= V_ROLETRANS { 16 } else { 12 };
    let n = r.d.count("count", min, MAX_RULES)?;
    let process = format::process_class(&r.db);
    let mut seen = HashSet::with_capacity(n);
    for _ in 0..n {
        let at = r.d.pos();
        let role = r.d.u32()?;
        let ty = r.d.u32()?;
        let new_role = r.d.u32()?;
        let class: Option<u32> = if r.d.version >= V_ROLETRANS {
            Some(r.d.u32()?)
        } else {
            None
        };
        let role: RoleId = r.id(at, Space::Role, role)?;
        let ty: TypeId = r.id(at + 4, Space::Type, ty)?;
        let new_role = r.id(at + 8, Space::Role, new_role)?;
        let class = match class {
            Some(c) => Some(r.id(at + 12, Space::Class, c)?),
            None => process,
        };
        if !seen.insert((role, ty, class)) {
            return Err(r.d.error_at(
                at,
                ReadErrorKind::Duplicate {
                    what: "role transition",
                    name: format!(
                        "{}:{}:{}",
                        role.value(),
                        ty.value(),
                        ClassId::value_or_zero(class)
                    ),
                },
            ));
        }
        r.db.role_trans.push(RoleTrans {
            role,
            ty,
            new_role,
            class,
        });
    }
    r.d.ctx_pop();
    r.d.ctx_push("role allow rules");
    let n = r.d.count("count", 8, MAX_RULES)?;
    for _ in 0..n {
        let at = r.d.pos();
        let role = r.d.u32()?;
        let new_role = r.d.u32()?;
        let role = r.id(at, Space::Role, role)?;
        let new_role = r.id(at + 4, Space::Role, new_role)?;
        r.db.role_allow.push(RoleAllow { role, new_role });
    }
    r.d.ctx_pop();
    if r.d.version >= V_FILENAME_TRANS {
        r.d.ctx_push("filename transitions");
        read_filename_trans(r)?;
        r.d.ctx_pop();
    }
    Ok(())
}

/// §6.1: one conditional node with libsepol's expression rules (§15).
fn read_cond_node(r: &mut Reader) -> Result<CondNode> {
    let cur_state = r.d.flag("current state")?;
    let at = r.d.pos();
    let n = r.d.count("expression length", 8, MAX_SYMBOLS)?;
    let mut expr = Vec::with_capacity(n);
    let mut depth = 0usize;
    for _ in 0..n {
        let iat = r.d.pos();
        let kind = r.d.u32()?;
        let bool_value = r.d.u32()?;
        let Some(kind) = CondOp::from_code(kind) else {
            return r
                .d
                .out_of_range(iat, "conditional expression kind", kind.into());
        };
        match kind.arity() {
            0 => {
                r.value(iat + 4, Space::Bool, bool_value)?;
                depth += 1;
            }
            need => {
                if bool_value != 0 || depth < need {
                    return r.d.invalid(iat, "malformed conditional expression");
                }
                depth -= need - 1;
            }
        }
        if depth > MAX_COND_DEPTH {
            return r.d.invalid(iat, "conditional expression too deep");
        }
        expr.push(CondExprItem { kind, bool_value });
    }
    if depth != 1 {
        return r
            .d
            .invalid(at, "conditional expression does not leave one result");
    }
    r.d.ctx_push("true list");
    let true_list = read_entries(r, true, "entry count")?;
    r.d.ctx_pop();
    r.d.ctx_push("false list");
    let false_list = read_entries(r, true, "entry count")?;
    r.d.ctx_pop();
    // Before V20 the branch lists are stored reversed (see the writer).
    let (mut true_list, mut false_list) = (true_list, false_list);
    if r.d.version < V_AVTAB {
        true_list.reverse();
        false_list.reverse();
    }
    Ok(CondNode {
        cur_state,
        expr,
        true_list,
        false_list,
    })
}

/// §7.3: the flat form before V33, the per-key compact form from V33 (flattened here).
fn read_filename_trans(r: &mut Reader) -> Result<()> {
    let compact = r.d.version >= V_COMPAT_FILENAME_TRANS;
    let n =
        r.d.count("count", if compact { 20 } else { 21 }, MAX_RULES)?;
    for i in 0..n {
        r.d.ctx_push(format!("entry {i}"));
        let name = r.d.lp_string()?;
        if compact {
            let at = r.d.pos();
            let ttype = r.d.u32()?;
            let tclass = r.d.u32()?;
            let ttype = r.id(at, Space::Type, ttype)?;
            let tclass = r.id(at + 4, Space::Class, tclass)?;
            let nd = r.d.count("datum count", 16, MAX_RULES)?;
            for _ in 0..nd {
                let bat = r.d.pos();
                let stypes = r.d.ebitmap(r.db.types.len() as u32)?;
                r.bits(bat, Space::Type, &stypes)?;
                let otype = r.read_id(Space::RealType)?;
                for stype in stypes.iter().filter_map(|s| TypeId::from_index(s as usize)) {
                    let ft = FilenameTrans {
                        stype,
                        ttype,
                        tclass,
                        name: name.clone(),
                        otype,
                    };
                    r.db.filename_trans.push(ft);
                }
            }
        } else {
            let stype = r.read_id(Space::Type)?;
            let ttype = r.read_id(Space::Type)?;
            let tclass = r.read_id(Space::Class)?;
            let otype = r.read_id(Space::RealType)?;
            r.db.filename_trans.push(FilenameTrans {
                stype,
                ttype,
                tclass,
                name,
                otype,
            });
        }
        r.d.ctx_pop();
    }
    Ok(())
}

/// range_trans (§9) and type_attr_map (§10), the sections after genfs.
pub(super) fn read_tail(r: &mut Reader) -> Result<()> {
    if r.d.version >= V_MLS {
        r.d.ctx_push("range transitions");
        let n = r.d.count("count", 28, MAX_RULES)?;
        let process = format::process_class(&r.db);
        let mut seen = HashSet::with_capacity(n);
        for i in 0..n {
            r.d.ctx_push(format!("entry {i}"));
            let at = r.d.pos();
            let source: TypeId = r.read_id(Space::Type)?;
            let target: TypeId = r.read_id(Space::Type)?;
            let class = if r.d.version >= V_RANGETRANS {
                Some(r.read_id(Space::Class)?)
            } else {
                process
            };
            let rat = r.d.pos();
            let range = r.d.range()?;
            r.range(rat, &range)?;
            if !seen.insert((source, target, class)) {
                return Err(r.d.error_at(
                    at,
                    ReadErrorKind::Duplicate {
                        what: "range transition",
                        name: format!(
                            "{}:{}:{}",
                            source.value(),
                            target.value(),
                            ClassId::value_or_zero(class)
                        ),
                    },
                ));
            }
            r.db.range_trans.push(RangeTrans {
                source,
                target,
                class,
                range,
            });
            r.d.ctx_pop();
        }
        r.d.ctx_pop();
    }
    if r.d.version >= V_AVTAB {
        r.d.ctx_push("type attribute map");
        let n = r.db.types.len();
        for i in 0..n {
            r.d.ctx_push(format!("type {}", i + 1));
            let e = r.d.ebitmap(n as u32)?;
            r.db.type_attr_map.push(e);
            r.d.ctx_pop();
        }
        r.d.ctx_pop();
    }
    Ok(())
}
