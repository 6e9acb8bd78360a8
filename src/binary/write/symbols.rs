//! Symbol tables (binary-format.md §4), each in libsepol hash-table order (§12).

use super::{Encode, Encoder};
use crate::binary::format::{
    hash_order, sym, V_BOUNDARY, V_CONSTRAINT_NAMES, V_DEFAULT_TYPE, V_GLBLUB, V_MLS,
    V_NEW_OBJECT_DEFAULTS,
};
use crate::binary::WriteError;
use crate::policydb::{cexpr, CExprNode, Constraint, PolicyDb, TypeFlavor, TypeId, TypeSet};

/// Writes `nprim`, `nel` and the records in the order of a hash table that holds
/// `entries` names (which may exceed the records written: role attributes, §4.3).
fn table<T>(
    e: &mut Encoder,
    nprim: usize,
    initial: usize,
    entries: usize,
    records: &[(&str, T)],
    mut record: impl FnMut(&mut Encoder, &str, &T),
) {
    e.len(nprim);
    e.len(records.len());
    let names: Vec<&str> = records.iter().map(|r| r.0).collect();
    for i in hash_order(&names, initial, entries) {
        record(e, records[i].0, &records[i].1);
    }
}

/// A permission table: values start after `base` (the inherited common's count).
fn perms(e: &mut Encoder, perms: &[String], base: usize) {
    let records: Vec<(&str, usize)> = perms
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), base + i + 1))
        .collect();
    let names: Vec<&str> = records.iter().map(|r| r.0).collect();
    for i in hash_order(&names, sym::PERM_TABLE_SIZE, names.len()) {
        let (name, value) = records[i];
        e.len(name.len());
        e.len(value);
        e.bytes(name.as_bytes());
    }
}

/// §3.5
impl Encode for TypeSet {
    fn encode(&self, e: &mut Encoder) {
        self.types.encode(e);
        self.negset.encode(e);
        e.u32(self.flags);
    }
}

/// §3.6: one expression node; NAMES carry the expanded names and, from V29, the type set.
impl Encode for CExprNode {
    fn encode(&self, e: &mut Encoder) {
        e.u32(self.kind);
        e.u32(self.attr);
        e.u32(self.op);
        if self.kind == cexpr::NAMES {
            self.names.encode(e);
            if e.version >= V_CONSTRAINT_NAMES {
                self.type_set.encode(e);
            }
        }
    }
}

/// §3.6: one constraint or validatetrans node.
impl Encode for Constraint {
    fn encode(&self, e: &mut Encoder) {
        e.u32(self.perms);
        e.list(&self.expr);
    }
}

pub(super) fn write_symbols(
    e: &mut Encoder,
    db: &PolicyDb,
    sym_num: u32,
) -> Result<(), WriteError> {
    let v = e.version;
    for idx in 0..sym_num as usize {
        match idx {
            sym::COMMONS => {
                let recs: Vec<(&str, usize)> = db
                    .commons
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.name.as_str(), i))
                    .collect();
                let n = recs.len();
                table(e, n, sym::INITIAL_SIZES[idx], n, &recs, |e, name, &i| {
                    let c = &db.commons[i];
                    e.len(name.len());
                    e.len(i + 1);
                    e.len(c.perms.len());
                    e.len(c.perms.len());
                    e.bytes(name.as_bytes());
                    perms(e, &c.perms, 0);
                });
            }
            sym::CLASSES => {
                let recs: Vec<(&str, usize)> = db
                    .classes
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.name.as_str(), i))
                    .collect();
                let n = recs.len();
                table(e, n, sym::INITIAL_SIZES[idx], n, &recs, |e, name, &i| {
                    write_class(e, db, name, i);
                });
            }
            sym::ROLES => {
                let recs: Vec<(&str, usize)> = db
                    .roles
                    .iter()
                    .enumerate()
                    .filter_map(|(i, r)| {
                        r.as_ref()
                            .filter(|r| !r.attribute)
                            .map(|r| (r.name.as_str(), i))
                    })
                    .collect();
                // The table holds role attributes too (§4.3), unless libsepol read the
                // policy from a file.
                let n = db.roles.len();
                let entries = db.hashed_roles.unwrap_or(n);
                table(
                    e,
                    n,
                    sym::INITIAL_SIZES[idx],
                    entries,
                    &recs,
                    |e, name, &i| {
                        let Some(r) = &db.roles[i] else { return };
                        e.len(name.len());
                        e.len(i + 1);
                        if v >= V_BOUNDARY {
                            e.opt_id(r.bounds);
                        }
                        e.bytes(name.as_bytes());
                        r.dominates.encode(e);
                        r.types.encode(e);
                    },
                );
            }
            sym::TYPES => write_types(e, db)?,
            sym::USERS => {
                let recs: Vec<(&str, usize)> = db
                    .users
                    .iter()
                    .enumerate()
                    .map(|(i, u)| (u.name.as_str(), i))
                    .collect();
                let n = recs.len();
                table(e, n, sym::INITIAL_SIZES[idx], n, &recs, |e, name, &i| {
                    let u = &db.users[i];
                    e.len(name.len());
                    e.len(i + 1);
                    if v >= V_BOUNDARY {
                        e.opt_id(u.bounds);
                    }
                    e.bytes(name.as_bytes());
                    u.roles.encode(e);
                    if v >= V_MLS {
                        u.range.encode(e);
                        u.dflt_level.encode(e);
                    }
                });
            }
            sym::BOOLS => {
                let recs: Vec<(&str, usize)> = db
                    .bools
                    .iter()
                    .enumerate()
                    .map(|(i, b)| (b.name.as_str(), i))
                    .collect();
                let n = recs.len();
                table(e, n, sym::INITIAL_SIZES[idx], n, &recs, |e, name, &i| {
                    e.len(i + 1);
                    e.u32(db.bools[i].state as u32);
                    e.string(name);
                });
            }
            sym::SENS => {
                // §4.7: nprim counts every record, aliases included.
                let recs: Vec<(&str, usize)> = db
                    .sens
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (s.name.as_str(), i))
                    .collect();
                let n = recs.len();
                table(e, n, sym::INITIAL_SIZES[idx], n, &recs, |e, name, &i| {
                    let s = &db.sens[i];
                    e.len(name.len());
                    e.u32(s.alias as u32);
                    e.bytes(name.as_bytes());
                    s.level.encode(e);
                });
            }
            _ => {
                // §4.8: categories; nprim counts aliases too.
                let recs: Vec<(&str, usize)> = db
                    .cats
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.name.as_str(), i))
                    .collect();
                let n = recs.len();
                table(e, n, sym::INITIAL_SIZES[idx], n, &recs, |e, name, &i| {
                    let c = &db.cats[i];
                    e.len(name.len());
                    e.u32(c.value);
                    e.u32(c.alias as u32);
                    e.bytes(name.as_bytes());
                });
            }
        }
    }
    Ok(())
}

/// §4.2: one class record.
fn write_class(e: &mut Encoder, db: &PolicyDb, name: &str, i: usize) {
    let c = &db.classes[i];
    let common = c.common.as_deref().unwrap_or("");
    let base = c
        .common
        .as_ref()
        .and_then(|n| db.commons.iter().find(|cm| &cm.name == n))
        .map_or(0, |cm| cm.perms.len());
    e.len(name.len());
    e.len(common.len());
    e.len(i + 1);
    e.len(base + c.perms.len());
    e.len(c.perms.len());
    e.len(c.constraints.len());
    e.bytes(name.as_bytes());
    e.bytes(common.as_bytes());
    perms(e, &c.perms, base);
    for con in &c.constraints {
        con.encode(e);
    }
    if e.version >= V_MLS {
        e.list(&c.validatetrans);
    }
    if e.version >= V_NEW_OBJECT_DEFAULTS {
        e.u32(c.default_user);
        e.u32(c.default_role);
        // glblub (7) exists from V32; checkpolicy writes 0 below that.
        let range = if c.default_range == 7 && e.version < V_GLBLUB {
            0
        } else {
            c.default_range
        };
        e.u32(range);
    }
    if e.version >= V_DEFAULT_TYPE {
        e.u32(c.default_type);
    }
}

/// §4.4: types, attributes and aliases share one table; aliases carry their target's value.
fn write_types(e: &mut Encoder, db: &PolicyDb) -> Result<(), WriteError> {
    let v = e.version;
    // (value, properties): properties 1 type, 3 attribute, 0 alias.
    let mut recs: Vec<(&str, (usize, u32, u32))> = Vec::new();
    for (i, t) in db.types.iter().enumerate() {
        let attr = t.flavor == TypeFlavor::Attribute;
        if t.name.is_empty() {
            if attr && v < V_BOUNDARY {
                // Attribute names are not stored before V24 (the reader made this one up).
                continue;
            }
            return Err(WriteError::Unnamed {
                what: "type",
                value: i as u32 + 1,
            });
        }
        if attr && v < V_BOUNDARY {
            continue;
        }
        recs.push((
            &t.name,
            (
                i + 1,
                if attr { 3 } else { 1 },
                TypeId::value_or_zero(t.bounds),
            ),
        ));
    }
    for a in &db.aliases {
        recs.push((&a.name, (a.target.index() + 1, 0, 0)));
    }
    let entries = db.types.len() + db.aliases.len();
    table(
        e,
        db.types.len(),
        sym::INITIAL_SIZES[sym::TYPES],
        entries,
        &recs,
        |e, name, &(value, props, bounds)| {
            e.len(name.len());
            e.len(value);
            if v >= V_BOUNDARY {
                e.u32(props);
                e.u32(bounds);
            } else {
                e.u32(props & 1);
            }
            e.bytes(name.as_bytes());
        },
    );
    Ok(())
}
