//! The CIL dump (`checkpolicy -b -C`), in the statement order and formats of libsepol
//! 3.4's `kernel_to_cil.c`.

use super::*;
use crate::policydb::{AvtabEntry, CExprNode, ClassId, Context, Level, Range, RoleId, TypeId};
use std::fmt::Write;

/// The level non-MLS policies use in CIL, which always needs one.
const DEFAULT_LEVEL: &str = "systemlow";

/// Prints a policy as checkpolicy 3.4 prints a binary policy with `-C`.
///
/// The input is trusted to be valid (as `binary::read` leaves it); names of values that do
/// not exist print as `(null)`, as C's printf would.
pub fn to_cil(db: &PolicyDb) -> String {
    let n = Names::new(db);
    let mut out = String::new();
    let o = &mut out;
    let _ = writeln!(o, "(handleunknown {})", unknown_name(db));
    classes(o, db);
    let ocons = sorted_ocontexts(db);
    sids(o, db, &ocons);
    defaults(o, db);
    mls(o, db, &n);
    let (mls_cons, cons) = constraints(db, &n, false);
    let (mls_vt, vt) = constraints(db, &n, true);
    write_sorted(o, mls_cons, 0);
    write_sorted(o, mls_vt, 0);
    let caps = db
        .policycaps
        .iter()
        .filter_map(|c| crate::policydb::POLICYCAPS.get(c as usize));
    write_by_name(o, caps.collect(), |c| c, |c| format!("(policycap {c})"));
    // A file before V24 keeps no attribute names: those values are not declared.
    let of = |flavor| {
        db.types
            .iter()
            .filter(move |t| t.flavor == flavor && !t.name.is_empty())
    };
    let attrs = of(TypeFlavor::Attribute).collect();
    write_by_name(
        o,
        attrs,
        |t| &t.name,
        |t| format!("(typeattribute {})", t.name),
    );
    let rattrs = db.roles.iter().flatten().filter(|r| r.attribute).collect();
    write_by_name(
        o,
        rattrs,
        |r| &r.name,
        |r| format!("(roleattribute {})", r.name),
    );
    let bools = db.bools.iter().collect();
    write_by_name(
        o,
        bools,
        |b| &b.name,
        |b| format!("(boolean {} {})", b.name, b.state),
    );
    let types = of(TypeFlavor::Type).collect();
    write_by_name(o, types, |t| &t.name, |t| format!("(type {})", t.name));
    let mut aliases: Vec<_> = db.aliases.iter().collect();
    aliases.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    for a in &aliases {
        let _ = writeln!(o, "(typealias {})", a.name);
    }
    for a in &aliases {
        let _ = writeln!(
            o,
            "(typealiasactual {} {})",
            a.name,
            null(n.ty(a.target.value()))
        );
    }
    let mut bounded: Vec<_> = db
        .types
        .iter()
        .filter(|t| t.flavor == TypeFlavor::Type && t.bounds.is_some())
        .collect();
    bounded.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    for t in bounded {
        let _ = writeln!(
            o,
            "(typebounds {} {})",
            null(n.ty(TypeId::value_or_zero(t.bounds))),
            t.name
        );
    }
    let mut sets = Vec::new();
    let expansions = db.type_expansions();
    for (t, members) in db.types.iter().zip(&expansions) {
        if t.flavor != TypeFlavor::Attribute {
            continue;
        }
        if !members.is_empty() {
            let types = sorted_join(bit_names(members, |v| Some(null(n.ty(v)))), " ");
            sets.push(format!("(typeattributeset {} ({types}))", t.name));
        }
    }
    write_sorted(o, sets, 0);
    let perm = db
        .permissive
        .iter()
        .map(|b| format!("(typepermissive {})", null(n.ty(b))));
    write_sorted(o, perm.collect(), 0);
    write_avtab(o, &db.avtab, 0, |e| av_rule(db, &n, e));
    let ft = db.filename_trans.iter().map(|f| {
        format!(
            "(typetransition {} {} {} {} {})",
            null(n.ty(f.stype.value())),
            null(n.ty(f.ttype.value())),
            null(n.class(f.tclass.value())),
            f.name,
            null(n.ty(f.otype.value()))
        )
    });
    write_sorted(o, ft.collect(), 0);
    if db.mls {
        let rt = db.range_trans.iter().map(|r| {
            format!(
                "(rangetransition {} {} {} {})",
                null(n.ty(r.source.value())),
                null(n.ty(r.target.value())),
                null(n.class(ClassId::value_or_zero(r.class))),
                range(&n, &r.range)
            )
        });
        write_sorted(o, rt.collect(), 0);
    }
    conds(o, db, &n);
    roles(o, db, &n);
    let rt = db.role_trans.iter().map(|r| {
        format!(
            "(roletransition {} {} {} {})",
            null(n.role(r.role.value())),
            null(n.ty(r.ty.value())),
            null(n.class(ClassId::value_or_zero(r.class))),
            null(n.role(r.new_role.value()))
        )
    });
    write_sorted(o, rt.collect(), 0);
    let ra = db.role_allow.iter().map(|r| {
        format!(
            "(roleallow {} {})",
            null(n.role(r.role.value())),
            null(n.role(r.new_role.value()))
        )
    });
    write_sorted(o, ra.collect(), 0);
    users(o, db, &n);
    write_sorted(o, cons, 0);
    write_sorted(o, vt, 0);
    ocontexts(o, db, &n, &ocons, Dialect::Cil, &|c| context(db, &n, c));
    out
}

/// Classes with their own permissions, classorder, classcommon, then commons.
fn classes(o: &mut String, db: &PolicyDb) {
    for c in &db.classes {
        let _ = writeln!(o, "(class {} ({}))", c.name, perm_list(&c.perms));
    }
    let order: Vec<&str> = db.classes.iter().map(|c| c.name.as_str()).collect();
    let _ = writeln!(o, "(classorder ({}))", order.join(" "));
    for c in &db.classes {
        if let Some(common) = &c.common {
            let _ = writeln!(o, "(classcommon {} {common})", c.name);
        }
    }
    for cm in used_commons(db) {
        let _ = writeln!(o, "(common {} ({}))", cm.name, perm_list(&cm.perms));
    }
}

/// `(sid ...)` for every SID that has a context (the binary keeps no other), in SID
/// order, then `sidorder`.
fn sids(o: &mut String, db: &PolicyDb, lists: &[Vec<&OContext>]) {
    let names: Vec<String> = isids(lists)
        .iter()
        .map(|&(s, _)| sid_name(db.target, s))
        .collect();
    if names.is_empty() {
        return;
    }
    for s in &names {
        let _ = writeln!(o, "(sid {s})");
    }
    let _ = writeln!(o, "(sidorder ({}))", names.join(" "));
}

fn defaults(o: &mut String, db: &PolicyDb) {
    for (kw, get) in [
        (
            "defaultuser",
            (|c| c.default_user) as fn(&crate::policydb::Class) -> u32,
        ),
        ("defaultrole", |c| c.default_role),
        ("defaulttype", |c| c.default_type),
    ] {
        for c in db.classes.iter().filter(|c| get(c) != 0) {
            let _ = writeln!(o, "({kw} {} {})", c.name, default_side(get(c)));
        }
    }
    if db.mls {
        for c in db.classes.iter().filter(|c| c.default_range != 0) {
            let r = default_range_name(c.default_range);
            let _ = writeln!(o, "(defaultrange {} {r})", c.name);
        }
    }
}

/// `prev`-style list printing of libsepol: names separated by spaces, where a missing
/// name prints as `(null)` except that it never gets a separator after it.
fn order_list(names: &[Option<&str>]) -> String {
    let mut s = String::new();
    let mut prev: Option<&str> = None;
    for name in names {
        if let Some(p) = prev {
            s.push_str(p);
            s.push(' ');
        }
        prev = *name;
    }
    if let Some(p) = prev {
        s.push_str(p);
    }
    s
}

fn mls(o: &mut String, db: &PolicyDb, n: &Names) {
    if !db.mls {
        o.push_str("(mls false)\n(sensitivity s0)\n(sensitivityorder (s0))\n");
        let _ = writeln!(o, "(level {DEFAULT_LEVEL} (s0))");
        return;
    }
    o.push_str("(mls true)\n");
    for (kind, names, records) in [
        ("sensitivity", n.sens_table(), sens_records(db)),
        ("category", n.cats_table(), cat_records(db)),
    ] {
        for name in names.iter() {
            let _ = writeln!(o, "({kind} {})", name.unwrap_or("(null)"));
        }
        let _ = writeln!(o, "({kind}order ({}))", order_list(names));
        let mut aliases: Vec<(&str, u32)> =
            records.iter().filter(|r| r.1).map(|r| (r.0, r.2)).collect();
        aliases.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        for (a, _) in &aliases {
            let _ = writeln!(o, "({kind}alias {a})");
        }
        for (a, v) in &aliases {
            let actual = names
                .get((*v as usize).wrapping_sub(1))
                .copied()
                .flatten()
                .unwrap_or("(null)");
            let _ = writeln!(o, "({kind}aliasactual {a} {actual})");
        }
    }
    for (i, name) in n.sens_table().iter().enumerate() {
        let Some(name) = name else { continue };
        let cats = db
            .sens
            .iter()
            .find(|s| !s.alias && s.level.sens == i as u32 + 1)
            .map(|s| &s.level.cats);
        if let Some(c) = cats.filter(|c| !c.is_empty()) {
            let _ = writeln!(o, "(sensitivitycategory {name} {})", cats_str(n, c));
        }
    }
}

/// Categories as `(c0 c1 (range c3 c7))`.
fn cats_str(n: &Names, cats: &crate::policydb::Ebitmap) -> String {
    let name = |b: u32| null(n.cat(b + 1));
    let items: Vec<String> = runs(cats)
        .into_iter()
        .map(|(a, b)| match b - a {
            0 => name(a).to_owned(),
            1 => format!("{} {}", name(a), name(b)),
            _ => format!("(range {} {})", name(a), name(b)),
        })
        .collect();
    format!("({})", items.join(" "))
}

fn level(n: &Names, l: &Level) -> String {
    if l.cats.is_empty() {
        format!("({})", null(n.sens(l.sens)))
    } else {
        format!("({} {})", null(n.sens(l.sens)), cats_str(n, &l.cats))
    }
}

fn range(n: &Names, r: &Range) -> String {
    format!("({} {})", level(n, &r.low), level(n, &r.high))
}

fn context(db: &PolicyDb, n: &Names, c: &Context) -> String {
    let r = if db.mls {
        range(n, &c.range)
    } else {
        format!("({DEFAULT_LEVEL} {DEFAULT_LEVEL})")
    };
    format!(
        "({} {} {} {r})",
        null(n.user(c.user)),
        null(n.role(c.role)),
        null(n.ty(c.ty))
    )
}

/// A constraint expression in CIL prefix syntax.
fn cexpr_str(n: &Names, expr: &[CExprNode]) -> String {
    const OPS: [&str; 6] = ["", "eq", "neq", "dom", "domby", "incomp"];
    fold_rpn(expr, cexpr_arity, |e, args| match e.kind {
        cexpr::NOT => format!("(not {})", arg(args, 0)),
        cexpr::AND => format!("(and {} {})", arg(args, 0), arg(args, 1)),
        cexpr::OR => format!("(or {} {})", arg(args, 0), arg(args, 1)),
        _ => {
            let op = OPS.get(e.op as usize).copied().unwrap_or("");
            let (a1, a2) = cexpr_operands(e.attr).unwrap_or(("", ""));
            if e.kind == cexpr::ATTR {
                return format!("({op} {a1} {a2})");
            }
            let names = cexpr_names(n, e);
            match names.len() {
                0 => format!("({op} {a1} NO_IDENTIFIER)"),
                1 => format!("({op} {a1} {})", names[0]),
                _ => format!("({op} {a1} ({}))", names.join(" ")),
            }
        }
    })
}

fn constraints(db: &PolicyDb, n: &Names, validatetrans: bool) -> (Vec<String>, Vec<String>) {
    constraint_lines(
        db,
        validatetrans,
        |e| cexpr_str(n, e),
        |kw, class, perms, expr| match perms {
            Some(p) => format!("({kw} ({class} ({p})) {expr})"),
            None => format!("({kw} {class} {expr})"),
        },
    )
}

fn av_rule(db: &PolicyDb, n: &Names, e: &AvtabEntry) -> String {
    let k = e.key;
    let kind = k.specified & 0xFFF;
    let flavor = match kind {
        avkind::ALLOWED => "allow",
        avkind::AUDITALLOW => "auditallow",
        avkind::AUDITDENY => "dontaudit",
        avkind::XPERMS_ALLOWED => "allowx",
        avkind::XPERMS_AUDITALLOW => "auditallowx",
        avkind::XPERMS_DONTAUDIT => "dontauditx",
        avkind::TRANSITION => "typetransition",
        avkind::MEMBER => "typemember",
        _ => "typechange",
    };
    let src = null(n.ty(k.source.into()));
    let tgt = rule_target(db, n, k.source, k.target, kind);
    let class = null(n.class(k.class.into()));
    if is_av(e) {
        format!("({flavor} {src} {tgt} ({class} ({})))", av_perms(db, e))
    } else if kind & avkind::XPERMS != 0 {
        let mut s = String::new();
        if let Some(x) = db.xperms.get(e.data as usize) {
            for (lo, hi, range) in xperm_items(x) {
                if range {
                    let _ = write!(s, " (range 0x{lo:x} 0x{hi:x})");
                } else {
                    let _ = write!(s, " 0x{lo:x}");
                }
            }
        }
        let s = format!("({})", s.get(1..).unwrap_or(""));
        format!("({flavor} {src} {tgt} (ioctl {class} ({s})))")
    } else {
        format!("({flavor} {src} {tgt} {class} {})", null(n.ty(e.data)))
    }
}

fn conds(o: &mut String, db: &PolicyDb, n: &Names) {
    for (expr, c) in sorted_conds(db, |e| cond_str(n, e, Dialect::Cil)) {
        let _ = writeln!(o, "(booleanif {expr}");
        for (branch, list) in [("true", &c.true_list), ("false", &c.false_list)] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(o, "    ({branch}");
            write_avtab(o, list, 2, |e| av_rule(db, n, e));
            o.push_str("    )\n");
        }
        o.push_str(")\n");
    }
}

/// Roles (object_r included), bounds, role types, and object_r's implicit types.
fn roles(o: &mut String, db: &PolicyDb, n: &Names) {
    let mut roles: Vec<_> = db.roles.iter().flatten().filter(|r| !r.attribute).collect();
    roles.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    for r in &roles {
        let _ = writeln!(o, "(role {})", r.name);
    }
    for r in roles.iter().filter(|r| r.bounds.is_some()) {
        let _ = writeln!(
            o,
            "(rolebounds {} {})",
            null(n.role(RoleId::value_or_zero(r.bounds))),
            r.name
        );
    }
    for r in &roles {
        let mut types = bit_names(&r.types, |v| Some(null(n.ty(v))));
        types.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        for t in types {
            let _ = writeln!(o, "(roletype {} {t})", r.name);
        }
    }
    let types = db.types.iter().filter(|t| t.flavor == TypeFlavor::Type);
    write_sorted(
        o,
        types
            .map(|t| format!("(roletype object_r {})", t.name))
            .collect(),
        0,
    );
}

fn users(o: &mut String, db: &PolicyDb, n: &Names) {
    let mut users: Vec<_> = db.users.iter().collect();
    users.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    for u in &users {
        let _ = writeln!(o, "(user {})", u.name);
    }
    for u in &users {
        if u.roles.is_empty() {
            continue;
        }
        let mut roles = bit_names(&u.roles, |v| n.role(v));
        roles.push("object_r");
        roles.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        for r in roles {
            let _ = writeln!(o, "(userrole {} {r})", u.name);
        }
    }
    for u in &users {
        let l = if db.mls {
            level(n, &u.dflt_level)
        } else {
            DEFAULT_LEVEL.to_owned()
        };
        let _ = writeln!(o, "(userlevel {} {l})", u.name);
    }
    for u in &users {
        let r = if db.mls {
            range(n, &u.range)
        } else {
            format!("({DEFAULT_LEVEL} {DEFAULT_LEVEL})")
        };
        let _ = writeln!(o, "(userrange {} {r})", u.name);
    }
}
