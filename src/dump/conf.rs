//! The policy.conf dump (`checkpolicy -b -F`), in the statement order and formats of
//! libsepol 3.4's `kernel_to_conf.c`.

use super::*;
use crate::policydb::{CExprNode, ClassId, Context, Level, Range, TypeId};
use std::fmt::Write;

/// Prints a policy as checkpolicy 3.4 prints a binary policy with `-F`.
///
/// The input is trusted to be valid (as `binary::read` leaves it); names of values that do
/// not exist print as `(null)`, as C's printf would.
pub fn to_conf(db: &PolicyDb) -> String {
    let n = Names::new(db);
    let mut out = String::new();
    let o = &mut out;
    let _ = writeln!(o, "# handle_unknown {}", unknown_name(db));
    for c in &db.classes {
        let _ = writeln!(o, "class {}", c.name);
    }
    let ocons = sorted_ocontexts(db);
    for (sid, _) in isids(&ocons) {
        let _ = writeln!(o, "sid {}", sid_name(db.target, sid));
    }
    classes(o, db);
    defaults(o, db);
    if db.mls {
        mls(o, db, &n);
    }
    let (mls_cons, cons) = constraints(db, &n, false);
    let (mls_vt, vt) = constraints(db, &n, true);
    write_sorted(o, mls_cons, 0);
    write_sorted(o, mls_vt, 0);
    let caps = db
        .policycaps
        .iter()
        .filter_map(|c| crate::policydb::POLICYCAPS.get(c as usize));
    write_by_name(o, caps.collect(), |c| c, |c| format!("policycap {c};"));
    // A file before V24 keeps no attribute names: those values are not declared.
    let of = |flavor| {
        db.types
            .iter()
            .filter(move |t| t.flavor == flavor && !t.name.is_empty())
    };
    let attrs = of(TypeFlavor::Attribute).collect();
    write_by_name(o, attrs, |t| &t.name, |t| format!("attribute {};", t.name));
    let rattrs = db.roles.iter().flatten().filter(|r| r.attribute).collect();
    write_by_name(
        o,
        rattrs,
        |r| &r.name,
        |r| format!("attribute_role {};", r.name),
    );
    let bools = db.bools.iter().collect();
    write_by_name(
        o,
        bools,
        |b| &b.name,
        |b| format!("bool {} {};", b.name, b.state),
    );
    let types = of(TypeFlavor::Type).collect();
    write_by_name(o, types, |t| &t.name, |t| format!("type {};", t.name));
    let mut aliases: Vec<_> = db.aliases.iter().collect();
    aliases.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    for a in aliases {
        let _ = writeln!(
            o,
            "typealias {} alias {};",
            null(n.ty(a.target.value())),
            a.name
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
            "typebounds {} {};",
            null(n.ty(TypeId::value_or_zero(t.bounds))),
            t.name
        );
    }
    let mut sets = Vec::new();
    for (i, t) in db.types.iter().enumerate() {
        let mut m = db.type_attrs(i as u32 + 1);
        if t.flavor != TypeFlavor::Type || m.len() == 1 {
            continue;
        }
        m.clear(i as u32);
        let attrs = sorted_join(bit_names(&m, |v| Some(null(n.ty(v)))), ", ");
        sets.push(format!("typeattribute {} {};", t.name, attrs));
    }
    write_sorted(o, sets, 0);
    let perm = db
        .permissive
        .iter()
        .map(|b| format!("permissive {};", null(n.ty(b))));
    write_sorted(o, perm.collect(), 0);
    write_avtab(o, &db.avtab, 0, |e| av_rule(db, &n, e));
    let ft = db.filename_trans.iter().map(|f| {
        format!(
            "type_transition {} {}:{} {} \"{}\";",
            null(n.ty(f.stype.value())),
            null(n.ty(f.ttype.value())),
            null(n.class(f.tclass.value())),
            null(n.ty(f.otype.value())),
            f.name
        )
    });
    write_sorted(o, ft.collect(), 0);
    if db.mls {
        let rt = db.range_trans.iter().map(|r| {
            format!(
                "range_transition {} {}:{} {};",
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
            "role_transition {} {}:{} {};",
            null(n.role(r.role.value())),
            null(n.ty(r.ty.value())),
            null(n.class(ClassId::value_or_zero(r.class))),
            null(n.role(r.new_role.value()))
        )
    });
    write_sorted(o, rt.collect(), 0);
    let ra = db.role_allow.iter().map(|r| {
        format!(
            "allow {} {};",
            null(n.role(r.role.value())),
            null(n.role(r.new_role.value()))
        )
    });
    write_sorted(o, ra.collect(), 0);
    users(o, db, &n);
    write_sorted(o, cons, 0);
    write_sorted(o, vt, 0);
    ocontexts(o, db, &n, &ocons, Dialect::Conf, &|c| context(db, &n, c));
    out
}

/// Commons (once, in the order classes use them), then every class.
fn classes(o: &mut String, db: &PolicyDb) {
    for cm in used_commons(db) {
        let _ = writeln!(o, "common {} {{ {} }}", cm.name, perm_list(&cm.perms));
    }
    for c in &db.classes {
        let _ = write!(o, "class {}", c.name);
        if let Some(common) = &c.common {
            let _ = write!(o, " inherits {common}");
        }
        if !c.perms.is_empty() {
            let _ = write!(o, " {{ {} }}", perm_list(&c.perms));
        }
        o.push('\n');
    }
}

fn defaults(o: &mut String, db: &PolicyDb) {
    for (kw, get) in [
        (
            "default_user",
            (|c| c.default_user) as fn(&crate::policydb::Class) -> u32,
        ),
        ("default_role", |c| c.default_role),
        ("default_type", |c| c.default_type),
    ] {
        for c in db.classes.iter().filter(|c| get(c) != 0) {
            let _ = writeln!(o, "{kw} {{ {} }} {};", c.name, default_side(get(c)));
        }
    }
    if db.mls {
        for c in db.classes.iter().filter(|c| c.default_range != 0) {
            let _ = writeln!(
                o,
                "default_range {{ {} }} {};",
                c.name,
                default_range_name(c.default_range)
            );
        }
    }
}

/// Sensitivities with their aliases, dominance, categories, levels.
fn mls(o: &mut String, db: &PolicyDb, n: &Names) {
    let sens_aliases = aliases_by_value(&sens_records(db), SENS_TABLE);
    let alias_clause =
        |aliases: &[(u32, Vec<String>)], v: u32| match aliases.iter().find(|a| a.0 == v) {
            None => String::new(),
            Some((_, a)) if a.len() == 1 => format!(" alias {}", a[0]),
            Some((_, a)) => format!(" alias {{ {} }}", a.join(" ")),
        };
    for (i, name) in n.sens_table().iter().enumerate() {
        if let Some(name) = name {
            let _ = writeln!(
                o,
                "sensitivity {name}{};",
                alias_clause(&sens_aliases, i as u32 + 1)
            );
        }
    }
    let dom: Vec<&str> = n.sens_table().iter().flatten().copied().collect();
    let _ = writeln!(o, "dominance {{ {} }}", dom.join(" "));
    let cat_aliases = aliases_by_value(&cat_records(db), CATS_TABLE);
    for (i, name) in n.cats_table().iter().enumerate() {
        if let Some(name) = name {
            let _ = writeln!(
                o,
                "category {name}{};",
                alias_clause(&cat_aliases, i as u32 + 1)
            );
        }
    }
    for (i, name) in n.sens_table().iter().enumerate() {
        let Some(name) = name else { continue };
        let cats = db
            .sens
            .iter()
            .find(|s| !s.alias && s.level.sens == i as u32 + 1)
            .map(|s| &s.level.cats);
        match cats {
            Some(c) if !c.is_empty() => {
                let _ = writeln!(o, "level {name}:{};", cats_str(n, c));
            }
            _ => {
                let _ = writeln!(o, "level {name};");
            }
        }
    }
}

/// Categories as `c0.c3,c5,c7,c8` (runs of three or more with a dot, pairs with a comma).
fn cats_str(n: &Names, cats: &crate::policydb::Ebitmap) -> String {
    let name = |b: u32| null(n.cat(b + 1));
    runs(cats)
        .into_iter()
        .map(|(a, b)| match b - a {
            0 => name(a).to_owned(),
            1 => format!("{},{}", name(a), name(b)),
            _ => format!("{}.{}", name(a), name(b)),
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn level(n: &Names, l: &Level) -> String {
    if l.cats.is_empty() {
        null(n.sens(l.sens)).to_owned()
    } else {
        format!("{}:{}", null(n.sens(l.sens)), cats_str(n, &l.cats))
    }
}

fn range(n: &Names, r: &Range) -> String {
    format!("{} - {}", level(n, &r.low), level(n, &r.high))
}

pub(super) fn context(db: &PolicyDb, n: &Names, c: &Context) -> String {
    if db.mls {
        format!(
            "{}:{}:{}:{}",
            null(n.user(c.user)),
            null(n.role(c.role)),
            null(n.ty(c.ty)),
            range(n, &c.range)
        )
    } else {
        format!(
            "{}:{}:{}",
            null(n.user(c.user)),
            null(n.role(c.role)),
            null(n.ty(c.ty))
        )
    }
}

/// A constraint expression in policy.conf syntax.
pub(super) fn cexpr_str(n: &Names, expr: &[CExprNode]) -> String {
    const OPS: [&str; 6] = ["", "==", "!=", "dom", "domby", "incomp"];
    fold_rpn(expr, cexpr_arity, |e, args| match e.kind {
        cexpr::NOT => format!("not ({})", arg(args, 0)),
        cexpr::AND => format!("({} and {})", arg(args, 0), arg(args, 1)),
        cexpr::OR => format!("({} or {})", arg(args, 0), arg(args, 1)),
        _ => {
            let op = OPS.get(e.op as usize).copied().unwrap_or("");
            let (a1, a2) = cexpr_operands(e.attr).unwrap_or(("", ""));
            if e.kind == cexpr::ATTR {
                return format!("{a1} {op} {a2}");
            }
            let names = cexpr_names(n, e);
            match names.len() {
                0 => format!("{a1} {op} NO_IDENTIFIER"),
                1 => format!("{a1} {op} {}", names[0]),
                _ => format!("{a1} {op} {{ {} }}", names.join(" ")),
            }
        }
    })
}

/// Constraint (or validatetrans) statements split into (MLS, other).
fn constraints(db: &PolicyDb, n: &Names, validatetrans: bool) -> (Vec<String>, Vec<String>) {
    constraint_lines(
        db,
        validatetrans,
        |e| cexpr_str(n, e),
        |kw, class, perms, expr| match perms {
            Some(p) => format!("{kw} {class} {{ {p} }} {expr};"),
            None => format!("{kw} {class} {expr};"),
        },
    )
}

/// One avtab entry as a rule.
fn av_rule(db: &PolicyDb, n: &Names, e: &crate::policydb::AvtabEntry) -> String {
    let k = e.key;
    let kind = k.specified & 0xFFF;
    let flavor = match kind {
        avkind::ALLOWED => "allow",
        avkind::AUDITALLOW => "auditallow",
        avkind::AUDITDENY => "dontaudit",
        avkind::XPERMS_ALLOWED => "allowxperm",
        avkind::XPERMS_AUDITALLOW => "auditallowxperm",
        avkind::XPERMS_DONTAUDIT => "dontauditxperm",
        avkind::TRANSITION => "type_transition",
        avkind::MEMBER => "type_member",
        _ => "type_change",
    };
    let src = null(n.ty(k.source.into()));
    let tgt = rule_target(db, n, k.source, k.target, kind);
    let class = null(n.class(k.class.into()));
    if is_av(e) {
        format!("{flavor} {src} {tgt}:{class} {{ {} }};", av_perms(db, e))
    } else if kind & avkind::XPERMS != 0 {
        let mut s = String::from("ioctl { ");
        if let Some(x) = db.xperms.get(e.data as usize) {
            for (lo, hi, range) in xperm_items(x) {
                if range {
                    let _ = write!(s, "0x{lo:x}-0x{hi:x} ");
                } else {
                    let _ = write!(s, "0x{lo:x} ");
                }
            }
        }
        s.push('}');
        format!("{flavor} {src} {tgt}:{class} {s};")
    } else {
        format!("{flavor} {src} {tgt}:{class} {};", null(n.ty(e.data)))
    }
}

fn conds(o: &mut String, db: &PolicyDb, n: &Names) {
    for (expr, c) in sorted_conds(db, |e| cond_str(n, e, Dialect::Conf)) {
        let _ = writeln!(o, "if ({expr}) {{");
        write_avtab(o, &c.true_list, 1, |e| av_rule(db, n, e));
        if !c.false_list.is_empty() {
            o.push_str("} else {\n");
            write_avtab(o, &c.false_list, 1, |e| av_rule(db, n, e));
        }
        o.push_str("}\n");
    }
}

/// Roles (value 1, object_r, skipped) and their types; long type lists are split into
/// statements of about 600 characters, as libsepol does past 900.
fn roles(o: &mut String, db: &PolicyDb, n: &Names) {
    let mut roles: Vec<_> = db
        .roles
        .iter()
        .skip(1)
        .flatten()
        .filter(|r| !r.attribute)
        .collect();
    roles.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    for r in &roles {
        let _ = writeln!(o, "role {};", r.name);
    }
    for r in &roles {
        if r.types.is_empty() {
            continue;
        }
        let types = sorted_join(bit_names(&r.types, |v| Some(null(n.ty(v)))), " ");
        if types.len() <= 900 {
            let _ = writeln!(o, "role {} types {{ {} }};", r.name, types);
            continue;
        }
        let mut rest = types.as_str();
        loop {
            let mut cut = None;
            let mut p2 = 0;
            while p2 < 600 {
                match rest[p2..].find(' ') {
                    Some(i) => {
                        p2 += i + 1;
                        cut = Some(p2);
                    }
                    None => {
                        cut = None;
                        break;
                    }
                }
            }
            match cut {
                Some(c) => {
                    let _ = writeln!(o, "role {} types {{ {} }};", r.name, &rest[..c - 1]);
                    rest = &rest[c..];
                }
                None => {
                    let _ = writeln!(o, "role {} types {{ {} }};", r.name, rest);
                    break;
                }
            }
        }
    }
}

fn users(o: &mut String, db: &PolicyDb, n: &Names) {
    let mut users: Vec<_> = db.users.iter().collect();
    users.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    for u in users {
        let _ = write!(o, "user {}", u.name);
        let roles = bit_names(&u.roles, |v| n.role(v));
        if !roles.is_empty() {
            let one = roles.len() == 1;
            let roles = sorted_join(roles, " ");
            if one {
                let _ = write!(o, " roles {roles}");
            } else {
                let _ = write!(o, " roles {{ {roles} }}");
            }
        }
        if db.mls {
            let _ = write!(
                o,
                " level {} range {}",
                level(n, &u.dflt_level),
                range(n, &u.range)
            );
        }
        o.push_str(";\n");
    }
}
