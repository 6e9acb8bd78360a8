//! Symbol tables (binary-format.md §4), read into value order, with the value rules of §15.

use super::{Check, Reader, Result, Space, MAX_CEXPR_DEPTH, MAX_PERMS, MAX_SYMBOLS};
use crate::binary::format::{
    sym, V_BOUNDARY, V_CONSTRAINT_NAMES, V_DEFAULT_TYPE, V_GLBLUB, V_MLS, V_NEW_OBJECT_DEFAULTS,
};
use crate::binary::ReadErrorKind;
use crate::policydb::{
    cexpr, Bool, CExprNode, Category, Class, Common, Constraint, Ebitmap, Role, RoleId,
    Sensitivity, Type, TypeAlias, TypeFlavor, TypeId, TypeSet, User, UserId,
};
use std::collections::HashSet;

const TABLE_NAMES: [&str; 8] = [
    "common table",
    "class table",
    "role table",
    "type table",
    "user table",
    "boolean table",
    "sensitivity table",
    "category table",
];

/// The smallest record of each table, for bounding `nel` by the bytes left.
const MIN_RECORD: [usize; 8] = [16, 24, 32, 12, 24, 12, 24, 12];

/// Puts `item` at `value` (1-based) of `slots`, rejecting out-of-range and repeated values.
fn place<T>(
    r: &Reader,
    at: usize,
    slots: &mut [Option<T>],
    value: u32,
    item: T,
    what: &'static str,
) -> Result<()> {
    let Some(slot) = value.checked_sub(1).and_then(|i| slots.get_mut(i as usize)) else {
        return r.d.out_of_range(at, what, value.into());
    };
    if slot.is_some() {
        return Err(r.d.error_at(
            at,
            ReadErrorKind::Duplicate {
                what,
                name: value.to_string(),
            },
        ));
    }
    *slot = Some(item);
    Ok(())
}

/// Unwraps slots that must all be filled (tables without gaps).
fn no_gaps<T>(r: &Reader, slots: Vec<Option<T>>) -> Result<Vec<T>> {
    let at = r.d.pos();
    slots
        .into_iter()
        .collect::<Option<Vec<T>>>()
        .map_or_else(|| r.d.invalid(at, "a value has no record"), Ok)
}

/// Rejects a name seen before in the same table.
fn unique(
    r: &Reader,
    at: usize,
    seen: &mut HashSet<String>,
    name: &str,
    what: &'static str,
) -> Result<()> {
    if seen.insert(name.to_owned()) {
        Ok(())
    } else {
        Err(r.d.error_at(
            at,
            ReadErrorKind::Duplicate {
                what,
                name: name.to_owned(),
            },
        ))
    }
}

pub(super) fn read_symbols(r: &mut Reader, sym_num: u32) -> Result<()> {
    for (idx, name) in TABLE_NAMES.iter().enumerate().take(sym_num as usize) {
        r.d.ctx_push(*name);
        let res = read_table(r, idx);
        r.d.ctx_pop();
        res?;
    }
    Ok(())
}

fn read_table(r: &mut Reader, idx: usize) -> Result<()> {
    let at = r.d.pos();
    let nprim = r.d.u32()?;
    if nprim > MAX_SYMBOLS {
        return Err(r.d.error_at(
            at,
            ReadErrorKind::CountTooLarge {
                what: "nprim",
                count: nprim.into(),
                limit: MAX_SYMBOLS.into(),
            },
        ));
    }
    let nel = r.d.count("nel", MIN_RECORD[idx], MAX_SYMBOLS * 2)?;
    let n = nprim as usize;
    let mut names = HashSet::new();
    // Tables other than roles and types have one record per value (§4.7/4.8: sensitivity
    // and category nprim count aliases).
    if !matches!(idx, sym::ROLES | sym::TYPES) && nel != n {
        return r.d.invalid(at, "nprim differs from the number of records");
    }
    match idx {
        sym::COMMONS => {
            let mut slots = vec![None; n];
            for i in 0..nel {
                r.d.ctx_push(format!("entry {i}"));
                let at = r.d.pos();
                let len = r.d.str_len()?;
                let value = r.d.u32()?;
                let pn = perm_count(r)?;
                let pel = r.d.count("permission count", 8, MAX_PERMS)?;
                let name = r.d.string(len)?;
                r.d.rename_ctx(format!("common `{name}`"));
                unique(r, at, &mut names, &name, "common")?;
                if pel != pn as usize {
                    return r.d.invalid(at, "permission records differ from nprim");
                }
                let perms = read_perms(r, pn, pel, &[])?;
                place(
                    r,
                    at + 4,
                    &mut slots,
                    value,
                    Common { name, perms },
                    "common value",
                )?;
                r.d.ctx_pop();
            }
            r.db.commons = no_gaps(r, slots)?;
        }
        sym::CLASSES => {
            let mut slots = vec![None; n];
            for i in 0..nel {
                r.d.ctx_push(format!("entry {i}"));
                let (value, at, class) = read_class(r, &mut names)?;
                place(r, at, &mut slots, value, class, "class value")?;
                r.d.ctx_pop();
            }
            r.db.classes = no_gaps(r, slots)?;
        }
        sym::ROLES => {
            if nel > n {
                return r.d.invalid(at, "more role records than role values");
            }
            let mut slots = vec![None; n];
            for i in 0..nel {
                r.d.ctx_push(format!("entry {i}"));
                let at = r.d.pos();
                let len = r.d.str_len()?;
                let value = r.d.u32()?;
                let bounds = if r.d.version >= V_BOUNDARY {
                    r.d.u32()?
                } else {
                    0
                };
                let name = r.d.string(len)?;
                r.d.rename_ctx(format!("role `{name}`"));
                unique(r, at, &mut names, &name, "role")?;
                if name == "object_r" && value != 1 {
                    return r.d.out_of_range(at + 4, "object_r value", value.into());
                }
                if bounds != 0 {
                    r.defer(at + 8, Check::Value(Space::Role, bounds));
                }
                let bat = r.d.pos();
                let dominates = r.d.ebitmap(nprim)?;
                r.defer(bat, Check::Bits(Space::Role, dominates.clone()));
                let bat = r.d.pos();
                let types = r.d.ebitmap(MAX_SYMBOLS)?;
                r.defer(bat, Check::Bits(Space::RealType, types.clone()));
                let role = Role {
                    name,
                    attribute: false,
                    bounds: RoleId::from_value(bounds),
                    dominates,
                    types,
                };
                place(r, at + 4, &mut slots, value, role, "role value")?;
                r.d.ctx_pop();
            }
            // §4.3/§15: value 1 is object_r (libsepol refuses a policy without it).
            if slots
                .first()
                .is_some_and(|r| r.as_ref().is_none_or(|r| r.name != "object_r"))
            {
                return r.d.invalid(at, "role value 1 is not object_r");
            }
            r.db.roles = slots;
        }
        sym::TYPES => read_types(r, n, nel, &mut names)?,
        sym::USERS => {
            let mut slots = vec![None; n];
            for i in 0..nel {
                r.d.ctx_push(format!("entry {i}"));
                let at = r.d.pos();
                let len = r.d.str_len()?;
                let value = r.d.u32()?;
                let bounds = if r.d.version >= V_BOUNDARY {
                    r.d.u32()?
                } else {
                    0
                };
                let name = r.d.string(len)?;
                r.d.rename_ctx(format!("user `{name}`"));
                unique(r, at, &mut names, &name, "user")?;
                if bounds != 0 {
                    r.defer(at + 8, Check::Value(Space::User, bounds));
                }
                let bat = r.d.pos();
                let roles = r.d.ebitmap(MAX_SYMBOLS)?;
                r.defer(bat, Check::Bits(Space::Role, roles.clone()));
                let (range, dflt_level) = if r.d.version >= V_MLS {
                    let rat = r.d.pos();
                    let range = r.d.range()?;
                    r.defer(rat, Check::Range(range.clone()));
                    let lat = r.d.pos();
                    let level = r.d.level()?;
                    r.defer(lat, Check::Level(level.clone()));
                    (range, level)
                } else {
                    Default::default()
                };
                let user = User {
                    name,
                    bounds: UserId::from_value(bounds),
                    roles,
                    range,
                    dflt_level,
                };
                place(r, at + 4, &mut slots, value, user, "user value")?;
                r.d.ctx_pop();
            }
            r.db.users = no_gaps(r, slots)?;
        }
        sym::BOOLS => {
            let mut slots = vec![None; n];
            for i in 0..nel {
                r.d.ctx_push(format!("entry {i}"));
                let at = r.d.pos();
                let value = r.d.u32()?;
                let state = r.d.flag("boolean state")?;
                let name = r.d.lp_string()?;
                r.d.rename_ctx(format!("boolean `{name}`"));
                unique(r, at, &mut names, &name, "boolean")?;
                place(
                    r,
                    at,
                    &mut slots,
                    value,
                    Bool { name, state },
                    "boolean value",
                )?;
                r.d.ctx_pop();
            }
            r.db.bools = no_gaps(r, slots)?;
        }
        sym::SENS => {
            let mut values = HashSet::new();
            for i in 0..nel {
                r.d.ctx_push(format!("entry {i}"));
                let at = r.d.pos();
                let len = r.d.str_len()?;
                let alias = r.d.flag("alias flag")?;
                let name = r.d.string(len)?;
                r.d.rename_ctx(format!("sensitivity `{name}`"));
                unique(r, at, &mut names, &name, "sensitivity")?;
                let lat = r.d.pos();
                let level = r.d.level()?;
                if level.sens == 0 || level.sens > nprim {
                    return r
                        .d
                        .out_of_range(lat, "sensitivity value", level.sens.into());
                }
                if alias {
                    r.defer(lat, Check::Value(Space::Sens, level.sens));
                } else if !values.insert(level.sens) {
                    return Err(r.d.error_at(
                        lat,
                        ReadErrorKind::Duplicate {
                            what: "sensitivity value",
                            name: level.sens.to_string(),
                        },
                    ));
                }
                r.defer(lat + 4, Check::Bits(Space::Cat, level.cats.clone()));
                r.db.sens.push(Sensitivity { name, alias, level });
                r.d.ctx_pop();
            }
            // Canonical order: the file's hash order carries no information.
            r.db.sens.sort_by(|a, b| {
                (a.level.sens, a.alias, &a.name).cmp(&(b.level.sens, b.alias, &b.name))
            });
        }
        _ => {
            let mut values = HashSet::new();
            for i in 0..nel {
                r.d.ctx_push(format!("entry {i}"));
                let at = r.d.pos();
                let len = r.d.str_len()?;
                let value = r.d.u32()?;
                let alias = r.d.flag("alias flag")?;
                let name = r.d.string(len)?;
                r.d.rename_ctx(format!("category `{name}`"));
                unique(r, at, &mut names, &name, "category")?;
                if value == 0 || value > nprim {
                    return r.d.out_of_range(at + 4, "category value", value.into());
                }
                if alias {
                    r.defer(at + 4, Check::Value(Space::Cat, value));
                } else if !values.insert(value) {
                    return Err(r.d.error_at(
                        at + 4,
                        ReadErrorKind::Duplicate {
                            what: "category value",
                            name: value.to_string(),
                        },
                    ));
                }
                r.db.cats.push(Category { name, value, alias });
                r.d.ctx_pop();
            }
            r.db.cats
                .sort_by(|a, b| (a.value, a.alias, &a.name).cmp(&(b.value, b.alias, &b.name)));
        }
    }
    Ok(())
}

fn perm_count(r: &mut Reader) -> Result<u32> {
    let at = r.d.pos();
    let n = r.d.u32()?;
    if n > MAX_PERMS {
        return Err(r.d.error_at(
            at,
            ReadErrorKind::CountTooLarge {
                what: "permission count",
                count: n.into(),
                limit: MAX_PERMS.into(),
            },
        ));
    }
    Ok(n)
}

/// A permission table: `nel` records with values `nprim - nel + 1 ..= nprim` (the values
/// below belong to the inherited common, whose names `inherited` must not repeat).
fn read_perms(r: &mut Reader, nprim: u32, nel: usize, inherited: &[String]) -> Result<Vec<String>> {
    let base = nprim as usize - nel;
    let mut slots = vec![None; nel];
    let mut names: HashSet<String> = inherited.iter().cloned().collect();
    for i in 0..nel {
        r.d.ctx_push(format!("permission {i}"));
        let at = r.d.pos();
        let len = r.d.str_len()?;
        let value = r.d.u32()?;
        let name = r.d.string(len)?;
        unique(r, at, &mut names, &name, "permission")?;
        if (value as usize) <= base {
            return r.d.out_of_range(at + 4, "permission value", value.into());
        }
        place(
            r,
            at + 4,
            &mut slots,
            value - base as u32,
            name,
            "permission value",
        )?;
        r.d.ctx_pop();
    }
    no_gaps(r, slots)
}

/// §4.2: one class record; returns its value, the value's offset, and the class.
fn read_class(r: &mut Reader, names: &mut HashSet<String>) -> Result<(u32, usize, Class)> {
    let at = r.d.pos();
    let len = r.d.str_len()?;
    let clen = r.d.u32()?;
    let value = r.d.u32()?;
    let pn = perm_count(r)?;
    let pel = r.d.count("permission count", 8, MAX_PERMS)?;
    let ncons = r.d.count("constraint count", 8, MAX_SYMBOLS)?;
    let name = r.d.string(len)?;
    r.d.rename_ctx(format!("class `{name}`"));
    unique(r, at, names, &name, "class")?;
    let common = if clen == 0 {
        None
    } else {
        if clen as usize > r.d.remaining() {
            return r.d.out_of_range(at + 4, "common name length", clen.into());
        }
        Some(r.d.string(clen)?)
    };
    let inherited = match &common {
        None => Vec::new(),
        Some(c) => match r.db.commons.iter().find(|cm| &cm.name == c) {
            Some(cm) => cm.perms.clone(),
            None => return r.d.invalid(at + 4, "class inherits an undefined common"),
        },
    };
    if pel + inherited.len() != pn as usize {
        return r
            .d
            .invalid(at + 12, "class permission counts disagree with its common");
    }
    let perms = read_perms(r, pn, pel, &inherited)?;
    let mut constraints = Vec::with_capacity(ncons);
    for i in 0..ncons {
        r.d.ctx_push(format!("constraint {i}"));
        constraints.push(read_constraint(r, pn, false)?);
        r.d.ctx_pop();
    }
    let mut validatetrans = Vec::new();
    if r.d.version >= V_MLS {
        let n = r.d.count("validatetrans count", 8, MAX_SYMBOLS)?;
        for i in 0..n {
            r.d.ctx_push(format!("validatetrans {i}"));
            validatetrans.push(read_constraint(r, pn, true)?);
            r.d.ctx_pop();
        }
    }
    let mut defaults = [0u32; 4];
    if r.d.version >= V_NEW_OBJECT_DEFAULTS {
        let max_range = if r.d.version >= V_GLBLUB { 7 } else { 6 };
        for (i, max) in [(0, 2), (1, 2), (2, max_range)] {
            let at = r.d.pos();
            defaults[i] = r.d.u32()?;
            if defaults[i] > max {
                return r.d.out_of_range(at, "class default", defaults[i].into());
            }
        }
    }
    if r.d.version >= V_DEFAULT_TYPE {
        let at = r.d.pos();
        defaults[3] = r.d.u32()?;
        if defaults[3] > 2 {
            return r.d.out_of_range(at, "class default", defaults[3].into());
        }
    }
    let class = Class {
        name,
        common,
        perms,
        constraints,
        validatetrans,
        default_user: defaults[0],
        default_role: defaults[1],
        default_range: defaults[2],
        default_type: defaults[3],
    };
    Ok((value, at + 8, class))
}

/// §3.6: one constraint or validatetrans node, with libsepol's expression rules (§15).
fn read_constraint(r: &mut Reader, nperms: u32, validatetrans: bool) -> Result<Constraint> {
    let at = r.d.pos();
    let perms = r.d.u32()?;
    let perms_ok = if validatetrans {
        perms == 0
    } else {
        perms != 0 && (nperms >= 32 || perms >> nperms == 0)
    };
    if !perms_ok {
        return r.d.out_of_range(at, "constraint permissions", perms.into());
    }
    let n = r.d.count("expression length", 12, MAX_SYMBOLS)?;
    let mut expr = Vec::with_capacity(n);
    let mut depth = 0usize;
    for _ in 0..n {
        let at = r.d.pos();
        let kind = r.d.u32()?;
        let attr = r.d.u32()?;
        let op = r.d.u32()?;
        let mut node = CExprNode {
            kind,
            attr,
            op,
            names: Ebitmap::new(),
            type_set: TypeSet::default(),
        };
        let bad = |r: &Reader| r.d.invalid(at, "malformed constraint expression");
        const OPERAND_ATTRS: [u32; 9] = [
            cexpr::USER,
            cexpr::ROLE,
            cexpr::TYPE,
            cexpr::L1L2,
            cexpr::L1H2,
            cexpr::H1L2,
            cexpr::H1H2,
            cexpr::L1H1,
            cexpr::L2H2,
        ];
        match kind {
            cexpr::NOT | cexpr::AND | cexpr::OR => {
                let need = if kind == cexpr::NOT { 1 } else { 2 };
                if attr != 0 || op != 0 || depth < need {
                    return bad(r);
                }
                depth -= need - 1;
            }
            cexpr::ATTR => {
                let base = attr & !(cexpr::TARGET | cexpr::XTARGET);
                let ordered = base == cexpr::ROLE || base >= cexpr::L1L2;
                if !OPERAND_ATTRS.contains(&base)
                    || (attr & cexpr::XTARGET != 0 && !validatetrans)
                    || !(op == cexpr::EQ
                        || op == cexpr::NEQ
                        || (ordered && (cexpr::DOM..=cexpr::INCOMP).contains(&op)))
                {
                    return bad(r);
                }
                depth += 1;
            }
            cexpr::NAMES => {
                let sides = cexpr::TARGET | cexpr::XTARGET;
                let space = match attr & !sides {
                    cexpr::USER => Space::User,
                    cexpr::ROLE => Space::Role,
                    cexpr::TYPE => Space::Type,
                    _ => return bad(r),
                };
                if (attr & cexpr::XTARGET != 0 && !validatetrans)
                    || attr & sides == sides
                    || !(op == cexpr::EQ || op == cexpr::NEQ)
                {
                    return bad(r);
                }
                let bat = r.d.pos();
                node.names = r.d.ebitmap(MAX_SYMBOLS)?;
                r.defer(bat, Check::Bits(space, node.names.clone()));
                if r.d.version >= V_CONSTRAINT_NAMES {
                    let tat = r.d.pos();
                    let types = r.d.ebitmap(MAX_SYMBOLS)?;
                    let negset = r.d.ebitmap(MAX_SYMBOLS)?;
                    let fat = r.d.pos();
                    let flags = r.d.u32()?;
                    if flags > 2 {
                        return r.d.out_of_range(fat, "type set flags", flags.into());
                    }
                    if space != Space::Type
                        && !(types.is_empty() && negset.is_empty() && flags == 0)
                    {
                        return r.d.invalid(tat, "type set in a user or role constraint");
                    }
                    r.defer(tat, Check::Bits(Space::Type, types.clone()));
                    r.defer(tat, Check::Bits(Space::Type, negset.clone()));
                    node.type_set = TypeSet {
                        types,
                        negset,
                        flags,
                    };
                }
                depth += 1;
            }
            _ => {
                return r
                    .d
                    .out_of_range(at, "constraint expression kind", kind.into())
            }
        }
        if depth > MAX_CEXPR_DEPTH {
            return bad(r);
        }
        expr.push(node);
    }
    if depth != 1 {
        return r
            .d
            .invalid(at, "constraint expression does not leave one result");
    }
    Ok(Constraint { perms, expr })
}

/// §4.4: types, attributes and aliases. Before V24 attributes have no records; their
/// values are filled with unnamed attributes (which the writer skips at those versions).
fn read_types(r: &mut Reader, n: usize, nel: usize, names: &mut HashSet<String>) -> Result<()> {
    let v = r.d.version;
    let mut slots: Vec<Option<Type>> = vec![None; n];
    let mut aliases = Vec::new();
    for i in 0..nel {
        r.d.ctx_push(format!("entry {i}"));
        let at = r.d.pos();
        let len = r.d.str_len()?;
        let value = r.d.u32()?;
        let (props, bounds) = if v >= V_BOUNDARY {
            (r.d.u32()?, r.d.u32()?)
        } else {
            (r.d.u32()?, 0)
        };
        let name = r.d.string(len)?;
        r.d.rename_ctx(format!("type `{name}`"));
        unique(r, at, names, &name, "type")?;
        let flavor = match (props, v >= V_BOUNDARY) {
            (0, _) => None,
            (1, _) => Some(TypeFlavor::Type),
            (3, true) => Some(TypeFlavor::Attribute),
            _ => return r.d.out_of_range(at + 8, "type properties", props.into()),
        };
        match flavor {
            None => {
                if bounds != 0 {
                    return r.d.invalid(at + 12, "type alias with bounds");
                }
                let Some(target) = TypeId::from_value(value).filter(|t| t.index() < n) else {
                    return r.d.out_of_range(at + 4, "type value", value.into());
                };
                r.defer(at + 4, Check::Value(Space::RealType, value));
                aliases.push(TypeAlias { name, target });
            }
            Some(flavor) => {
                if bounds != 0 {
                    r.defer(at + 12, Check::Value(Space::RealType, bounds));
                }
                place(
                    r,
                    at + 4,
                    &mut slots,
                    value,
                    Type {
                        name,
                        flavor,
                        bounds: TypeId::from_value(bounds),
                    },
                    "type value",
                )?;
            }
        }
        r.d.ctx_pop();
    }
    if v >= V_BOUNDARY {
        r.db.types = no_gaps(r, slots)?;
    } else {
        let unnamed = || Type {
            name: String::new(),
            flavor: TypeFlavor::Attribute,
            bounds: None,
        };
        r.db.types = slots
            .into_iter()
            .map(|t| t.unwrap_or_else(unnamed))
            .collect();
    }
    r.db.aliases = aliases;
    Ok(())
}
