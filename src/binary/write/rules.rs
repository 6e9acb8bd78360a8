//! Rule sections: avtab (§5), conditionals (§6), role and filename transitions (§7),
//! range transitions (§9) and the type_attr_map (§10).

use super::{Encode, Encoder};
use crate::binary::format::{
    self, V_AVTAB, V_BOOL, V_COMPAT_FILENAME_TRANS, V_FILENAME_TRANS, V_MLS, V_RANGETRANS,
    V_ROLETRANS, V_XPERMS_IOCTL,
};
use crate::binary::WriteError;
use crate::policydb::{avkind, AvtabEntry, CondExprItem, CondNode, Ebitmap, PolicyDb, Target};

/// §5.1: an avtab entry. Before V20 each entry is a counted word list with the enabled flag
/// in bit 31 (§5.1 "old format"); one entry per kind keeps the reader's view unchanged.
impl Encode for AvtabEntry {
    fn encode(&self, e: &mut Encoder) {
        let k = self.key;
        if e.version < V_AVTAB {
            let enabled = if k.specified & avkind::ENABLED != 0 {
                0x8000_0000
            } else {
                0
            };
            e.u32(5);
            e.u32(k.source.into());
            e.u32(k.target.into());
            e.u32(k.class.into());
            e.u32(u32::from(k.specified & !avkind::ENABLED) | enabled);
            e.u32(self.data);
            return;
        }
        e.u16(k.source);
        e.u16(k.target);
        e.u16(k.class);
        e.u16(k.specified);
        match &self.xperms {
            Some(x) if k.specified & avkind::XPERMS != 0 => {
                e.u8(x.specified);
                e.u8(x.driver);
                for w in x.perms {
                    e.u32(w);
                }
            }
            _ => e.u32(self.data),
        }
    }
}

/// §6.1
impl Encode for CondExprItem {
    fn encode(&self, e: &mut Encoder) {
        e.u32(self.kind);
        e.u32(self.bool_value);
    }
}

/// §6.1
impl Encode for CondNode {
    fn encode(&self, e: &mut Encoder) {
        e.u32(self.cur_state as u32);
        e.list(&self.expr);
        e.list(&self.true_list);
        e.list(&self.false_list);
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
    e.list(&db.avtab);
    if e.version >= V_BOOL {
        e.list(&db.cond_list);
    }
    // §7.1: before V26 checkpolicy keeps only rules on the "process class", which it never
    // sets for a compiled policy, so it writes none.
    if e.version >= V_ROLETRANS {
        e.len(db.role_trans.len());
        for rt in &db.role_trans {
            e.u32(rt.role);
            e.u32(rt.ty);
            e.u32(rt.new_role);
            e.u32(rt.class);
        }
    } else {
        e.u32(0);
    }
    e.len(db.role_allow.len());
    for ra in &db.role_allow {
        e.u32(ra.role);
        e.u32(ra.new_role);
    }
    if e.version >= V_COMPAT_FILENAME_TRANS {
        write_filename_trans_compact(e, db);
    } else if e.version >= V_FILENAME_TRANS {
        e.len(db.filename_trans.len());
        for ft in &db.filename_trans {
            e.string(&ft.name);
            e.u32(ft.stype);
            e.u32(ft.ttype);
            e.u32(ft.tclass);
            e.u32(ft.otype);
        }
    }
    Ok(())
}

/// §7.3, V33: one record per (name, ttype, tclass) key with one datum per new type; the
/// flat list is grouped in order of first appearance, which reverses the reader's flattening.
fn write_filename_trans_compact(e: &mut Encoder, db: &PolicyDb) {
    type Key<'a> = (&'a str, u32, u32);
    let mut keys: Vec<(Key, Vec<(u32, Ebitmap)>)> = Vec::new();
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
        datums[dpos].1.set(ft.stype.saturating_sub(1));
    }
    e.len(keys.len());
    for ((name, ttype, tclass), datums) in &keys {
        e.string(name);
        e.u32(*ttype);
        e.u32(*tclass);
        e.len(datums.len());
        for (otype, stypes) in datums {
            stypes.encode(e);
            e.u32(*otype);
        }
    }
}

/// range_trans and type_attr_map, the sections after genfs (§2 items 11–12).
pub(super) fn write_tail(e: &mut Encoder, db: &PolicyDb) {
    if e.version >= V_MLS {
        // §9: before V21 there is no class word and only process-class rules are kept.
        let process = format::process_class(db);
        let kept: Vec<_> = db
            .range_trans
            .iter()
            .filter(|rt| e.version >= V_RANGETRANS || rt.class == process)
            .collect();
        e.len(kept.len());
        for rt in kept {
            e.u32(rt.source);
            e.u32(rt.target);
            if e.version >= V_RANGETRANS {
                e.u32(rt.class);
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
