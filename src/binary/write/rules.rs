//! Rule sections: avtab (§5), conditionals (§6), role and filename transitions (§7),
//! range transitions (§9) and the type_attr_map (§10).

use super::{Encode, Encoder};
use crate::binary::format::{
    self, OLD_AVTAB_ENABLED, OLD_AVTAB_KINDS, V_AVTAB, V_BOOL, V_COMPAT_FILENAME_TRANS,
    V_FILENAME_TRANS, V_MLS, V_RANGETRANS, V_ROLETRANS, V_XPERMS_IOCTL,
};
use crate::binary::WriteError;
use crate::policydb::{
    avkind, AvtabEntry, AvtabKey, ClassId, CondExprItem, CondNode, Ebitmap, PolicyDb, Target,
    TypeId,
};
use std::collections::HashMap;

/// §5.1: an avtab entry in the layout of V20 and later (older lists go through
/// [`write_avtab_list`]).
impl Encode for AvtabEntry {
    fn encode(&self, e: &mut Encoder) {
        let k = self.key;
        match e.xperms.get(self.data as usize).copied() {
            Some(x) if k.specified & avkind::XPERMS != 0 => {
                e.u16(k.source);
                e.u16(k.target);
                e.u16(k.class);
                e.u16(k.specified);
                e.u8(x.specified);
                e.u8(x.driver);
                for w in x.perms {
                    e.u32(w);
                }
            }
            _ => e.plain_entries(std::slice::from_ref(self)),
        }
    }
}

/// A counted avtab entry list (§5.1). Before V20 each entry is a counted word list;
/// in the unconditional table (`merge`) checkpolicy merges the AV kinds of one (source,
/// target, class) key into one item, and the type kinds into another, each written where
/// its first entry is.
fn write_avtab_list(e: &mut Encoder, list: &[AvtabEntry], merge: bool) {
    if e.version >= V_AVTAB {
        e.len(list.len());
        // Runs of plain entries go in blocks; extended permissions one by one.
        let mut rest = list;
        while !rest.is_empty() {
            let is_x = |x: &AvtabEntry| x.key.specified & avkind::XPERMS != 0;
            let plain = rest.iter().position(is_x).unwrap_or(rest.len());
            e.plain_entries(&rest[..plain]);
            if let Some(x) = rest.get(plain) {
                x.encode(e);
            }
            rest = rest.get(plain + 1..).unwrap_or_default();
        }
        return;
    }
    // checkpolicy re-builds the table in 2^20 buckets with attributes expanded to their
    // types before merging (so a file it wrote is already in this order); conditional
    // lists come here expanded already.
    let mut sorted;
    let list = if merge {
        sorted = expand_attributes(e, list);
        format::sort_avtab(&mut sorted, format::AVTAB_COMPILE_MASK);
        &sorted[..]
    } else {
        list
    };
    let mut index: HashMap<(u16, u16, u16, bool), usize> = HashMap::new();
    let mut groups: Vec<Vec<&AvtabEntry>> = Vec::new();
    for entry in list {
        let k = entry.key;
        let type_rule = k.specified & avkind::TYPE_RULES != 0;
        let key = if merge {
            (k.source, k.target, k.class, type_rule)
        } else {
            (0, 0, 0, false)
        };
        let g = match index.get(&key) {
            Some(&g) if merge => g,
            _ => {
                groups.push(Vec::new());
                index.insert(key, groups.len() - 1);
                groups.len() - 1
            }
        };
        groups[g].push(entry);
    }
    e.len(groups.len());
    for group in groups {
        let k = group[0].key;
        let kinds = group
            .iter()
            .fold(0, |acc, g| acc | (g.key.specified & !avkind::ENABLED));
        let enabled = group.iter().any(|g| g.key.specified & avkind::ENABLED != 0);
        let data: Vec<u32> = OLD_AVTAB_KINDS
            .iter()
            .filter_map(|&kind| group.iter().find(|g| g.key.specified & kind != 0))
            .map(|g| g.data)
            .collect();
        e.len(4 + data.len());
        e.u32(k.source.into());
        e.u32(k.target.into());
        e.u32(k.class.into());
        e.u32(u32::from(kinds) | if enabled { OLD_AVTAB_ENABLED } else { 0 });
        for d in data {
            e.u32(d);
        }
    }
}

/// libsepol's `expand_avtab`/`expand_cond_av_list` for the old format: each entry on an
/// attribute becomes one per member type (sources outer, both ascending), and entries
/// that meet on one key and kind (and enabled state) merge: access bits OR'ed, dontaudit
/// bits AND'ed. Kept in order of first creation.
fn expand_attributes(e: &Encoder, list: &[AvtabEntry]) -> Vec<AvtabEntry> {
    let members = |v: u16| -> Vec<u16> {
        match e.old_attr_types.get(usize::from(v).wrapping_sub(1)) {
            Some(Some(types)) => types.clone(),
            _ => vec![v],
        }
    };
    let mut out: Vec<AvtabEntry> = Vec::with_capacity(list.len());
    let mut at: HashMap<AvtabKey, usize> = HashMap::new();
    for entry in list {
        for s in members(entry.key.source) {
            for t in members(entry.key.target) {
                let key = AvtabKey {
                    source: s,
                    target: t,
                    ..entry.key
                };
                match at.get(&key) {
                    Some(&i) if key.specified & avkind::AUDITDENY != 0 => out[i].data &= entry.data,
                    Some(&i) if key.specified & avkind::TYPE_RULES == 0 => {
                        out[i].data |= entry.data
                    }
                    Some(_) => {}
                    None => {
                        at.insert(key, out.len());
                        out.push(AvtabEntry { key, ..*entry });
                    }
                }
            }
        }
    }
    out
}

/// §6.1
impl Encode for CondExprItem {
    fn encode(&self, e: &mut Encoder) {
        e.u32(self.kind.code());
        e.u32(self.bool_value);
    }
}

/// §6.1
impl Encode for CondNode {
    fn encode(&self, e: &mut Encoder) {
        e.u32(self.cur_state as u32);
        e.list(&self.expr);
        // Before V20 checkpolicy writes each branch list expanded and reversed (it
        // rebuilds the lists by prepending); the reader undoes the reversal, so the
        // database keeps one order.
        for list in [&self.true_list, &self.false_list] {
            if e.version < V_AVTAB {
                let mut expanded = expand_attributes(e, list);
                expanded.reverse();
                write_avtab_list(e, &expanded, false);
            } else {
                write_avtab_list(e, list, false);
            }
        }
    }
}

fn check_xperms(e: &Encoder, list: &[AvtabEntry]) -> Result<(), WriteError> {
    let has = list.iter().any(|a| a.key.specified & avkind::XPERMS != 0);
    if has && (e.target == Target::Xen || e.version < V_XPERMS_IOCTL) {
        return Err(WriteError::Unrepresentable {
            what: "extended permission (xperm) rules",
            version: e.version,
        });
    }
    Ok(())
}

/// avtab, conditional list, role_trans, role_allow and filename_trans (§2 items 4–8).
pub(super) fn write_rules(e: &mut Encoder, db: &PolicyDb) -> Result<(), WriteError> {
    check_xperms(e, &db.avtab)?;
    for c in &db.cond_list {
        check_xperms(e, &c.true_list)?;
        check_xperms(e, &c.false_list)?;
    }
    write_avtab_list(e, &db.avtab, true);
    if e.version >= V_BOOL {
        e.list(&db.cond_list);
    }
    // §7.1: before V26 checkpolicy keeps only rules on the "process class", which it never
    // sets for a compiled policy, so it writes none.
    if e.version >= V_ROLETRANS {
        e.len(db.role_trans.len());
        for rt in &db.role_trans {
            e.id(rt.role);
            e.id(rt.ty);
            e.id(rt.new_role);
            e.opt_id(rt.class);
        }
    } else {
        e.u32(0);
    }
    e.len(db.role_allow.len());
    for ra in &db.role_allow {
        e.id(ra.role);
        e.id(ra.new_role);
    }
    if e.version >= V_COMPAT_FILENAME_TRANS {
        write_filename_trans_compact(e, db);
    } else if e.version >= V_FILENAME_TRANS {
        e.len(db.filename_trans.len());
        for ft in &db.filename_trans {
            e.string(&ft.name);
            e.id(ft.stype);
            e.id(ft.ttype);
            e.id(ft.tclass);
            e.id(ft.otype);
        }
    }
    Ok(())
}

/// §7.3, V33: one record per (name, ttype, tclass) key with one datum per new type; the
/// flat list is grouped in order of first appearance, which reverses the reader's flattening.
fn write_filename_trans_compact(e: &mut Encoder, db: &PolicyDb) {
    type Key<'a> = (&'a str, TypeId, ClassId);
    let mut keys: Vec<(Key, Vec<(TypeId, Ebitmap)>)> = Vec::new();
    for ft in &db.filename_trans {
        let key = (ft.name.as_str(), ft.ttype, ft.tclass);
        let pos = match keys.iter().position(|k| k.0 == key) {
            Some(p) => p,
            None => {
                keys.push((key, Vec::new()));
                keys.len() - 1
            }
        };
        let datums = &mut keys[pos].1;
        let dpos = match datums.iter().position(|d| d.0 == ft.otype) {
            Some(p) => p,
            None => {
                datums.push((ft.otype, Ebitmap::new()));
                datums.len() - 1
            }
        };
        datums[dpos].1.set(ft.stype.index() as u32);
    }
    e.len(keys.len());
    for ((name, ttype, tclass), datums) in &keys {
        e.string(name);
        e.id(*ttype);
        e.id(*tclass);
        e.len(datums.len());
        for (otype, stypes) in datums {
            stypes.encode(e);
            e.id(*otype);
        }
    }
}

/// range_trans and type_attr_map, the sections after genfs (§2 items 11–12).
pub(super) fn write_tail(e: &mut Encoder, db: &PolicyDb) {
    if e.version >= V_MLS {
        // §9: before V21 there is no class word and only process-class rules are kept.
        // libsepol knows the process class only of a policy it has read (`-b`): for a
        // compiled one it keeps none, as for role transitions before V26.
        let process = match db.hashed_roles {
            Some(_) => format::process_class(db),
            None => None,
        };
        let kept: Vec<_> = db
            .range_trans
            .iter()
            .filter(|rt| e.version >= V_RANGETRANS || rt.class == process)
            .collect();
        e.len(kept.len());
        for rt in kept {
            e.id(rt.source);
            e.id(rt.target);
            if e.version >= V_RANGETRANS {
                e.opt_id(rt.class);
            }
            rt.range.encode(e);
        }
    }
    if e.version >= V_AVTAB {
        let empty = Ebitmap::new();
        for i in 0..db.types.len() {
            db.type_attr_map.get(i).unwrap_or(&empty).encode(e);
        }
    }
}
