//! `constrain`, `mlsconstrain`, `validatetrans` and `mlsvalidatetrans` into class records
//! (binary-format.md §3.6): postfix expressions with names expanded, and from version 29
//! the type sets as written.

use super::declare::{declared_before, Space, Syms};
use super::resolve::{self, Expand, SetPlace};
use super::Cx;
use crate::policydb::cexpr::*;
use crate::policydb::{CExprNode, Constraint, Ebitmap, PolicyDb, TypeSet};
use crate::source::Span;
use crate::syntax::ast::{self, CExpr, COp, COperand, ItemKind};

/// Adds every constraint and validatetrans of the policy to its classes.
pub(super) fn lower_constraints(cx: &mut Cx, syms: &Syms, policy: &ast::Policy, db: &mut PolicyDb) {
    for item in &policy.items {
        let (mls, classes, perms, expr, validatetrans) = match &item.kind {
            ItemKind::Constrain {
                mls,
                classes,
                perms,
                expr,
            } => (*mls, classes, Some(perms), expr, false),
            ItemKind::Validatetrans { mls, classes, expr } => (*mls, classes, None, expr, true),
            _ => continue,
        };
        if mls && !cx.opts.mls {
            cx.error(
                "mls-not-enabled",
                item.span,
                "an MLS constraint in a policy compiled without MLS".to_string(),
                "needs MLS",
            );
            continue;
        }
        let Some(class_list) = resolve::class_set(cx, syms, classes) else {
            continue;
        };
        let mut nodes = Vec::new();
        if !postfix(cx, syms, expr, validatetrans, mls, &mut nodes) {
            continue;
        }
        for c in class_list {
            let mask = match perms {
                Some(p) => match resolve::perm_mask(cx, syms, c, p) {
                    Some(m) => m,
                    None => continue,
                },
                None => 0,
            };
            let class = &mut db.classes[c as usize - 1];
            let constraint = Constraint {
                perms: mask,
                expr: nodes.clone(),
            };
            // checkpolicy links each new rule at the head of the class's list, so the
            // written order is the reverse of the source order.
            if validatetrans {
                class.validatetrans.insert(0, constraint);
            } else {
                class.constraints.insert(0, constraint);
            }
        }
    }
}

fn op_node(kind: u32) -> CExprNode {
    CExprNode {
        kind,
        attr: 0,
        op: 0,
        names: Ebitmap::new(),
        type_set: TypeSet::default(),
    }
}

fn op_code(op: COp) -> u32 {
    match op {
        COp::Eq => EQ,
        COp::Neq => NEQ,
        COp::Dom => DOM,
        COp::Domby => DOMBY,
        COp::Incomp => INCOMP,
    }
}

/// Writes an expression in postfix; false when an error was reported.
fn postfix(
    cx: &mut Cx,
    syms: &Syms,
    e: &CExpr,
    validatetrans: bool,
    mls: bool,
    out: &mut Vec<CExprNode>,
) -> bool {
    match e {
        CExpr::Not(a) => {
            let ok = postfix(cx, syms, a, validatetrans, mls, out);
            out.push(op_node(NOT));
            ok
        }
        CExpr::And(a, b) | CExpr::Or(a, b) => {
            let ok_a = postfix(cx, syms, a, validatetrans, mls, out);
            let ok_b = postfix(cx, syms, b, validatetrans, mls, out);
            out.push(op_node(if matches!(e, CExpr::And(..)) { AND } else { OR }));
            ok_a && ok_b
        }
        CExpr::Attr {
            left,
            op,
            right,
            span,
        } => match attr_pair(*left, *right) {
            Some(attr) => {
                let role_or_mls = attr == ROLE || attr >= L1L2;
                if !role_or_mls && !matches!(op, COp::Eq | COp::Neq) {
                    bad_expr(cx, *span, "only `==` and `!=` compare users and types");
                    return false;
                }
                if attr >= L1L2 && !mls {
                    bad_expr(cx, *span, "levels may only be compared in MLS constraints");
                    return false;
                }
                out.push(CExprNode {
                    attr,
                    op: op_code(*op),
                    ..op_node(ATTR)
                });
                true
            }
            None => {
                bad_expr(cx, *span, "these two operands cannot be compared");
                false
            }
        },
        CExpr::Names {
            operand,
            op,
            names,
            span,
        } => names_node(cx, syms, *operand, *op, names, *span, validatetrans, out),
    }
}

fn bad_expr(cx: &mut Cx, span: Span, why: &str) {
    cx.error(
        "bad-constraint",
        span,
        format!("invalid constraint expression: {why}"),
        "here",
    );
}

/// The attribute flag of a comparison of two operands, if it is one libsepol knows.
fn attr_pair(l: COperand, r: COperand) -> Option<u32> {
    use COperand::*;
    Some(match (l, r) {
        (U1, U2) => USER,
        (R1, R2) => ROLE,
        (T1, T2) => TYPE,
        (L1, L2) => L1L2,
        (L1, H2) => L1H2,
        (H1, L2) => H1L2,
        (H1, H2) => H1H2,
        (L1, H1) => L1H1,
        (L2, H2) => L2H2,
        _ => return None,
    })
}

#[allow(clippy::too_many_arguments)]
fn names_node(
    cx: &mut Cx,
    syms: &Syms,
    operand: COperand,
    op: COp,
    names: &ast::Set,
    span: Span,
    validatetrans: bool,
    out: &mut Vec<CExprNode>,
) -> bool {
    use COperand::*;
    let (base, side) = match operand {
        U1 => (USER, 0),
        U2 => (USER, TARGET),
        U3 => (USER, XTARGET),
        R1 => (ROLE, 0),
        R2 => (ROLE, TARGET),
        R3 => (ROLE, XTARGET),
        T1 => (TYPE, 0),
        T2 => (TYPE, TARGET),
        T3 => (TYPE, XTARGET),
        _ => {
            bad_expr(cx, span, "levels cannot be compared with names");
            return false;
        }
    };
    if side == XTARGET && !validatetrans {
        bad_expr(cx, span, "`u3`, `r3` and `t3` exist only in validatetrans");
        return false;
    }
    if !matches!(op, COp::Eq | COp::Neq) {
        bad_expr(cx, span, "only `==` and `!=` compare with names");
        return false;
    }
    let (bits, type_set) = match base {
        USER => {
            // checkpolicy declares users in its second pass, in text order, and
            // resolves constraint names in the same pass.
            let named = names.items.iter().map(ast::SetItem::name);
            if !declared_before(cx, syms, Space::Users, named, span.start) {
                return false;
            }
            let mut bits = Ebitmap::new();
            let mut ok = resolve::names_only(cx, names, "user", "undefined-user");
            for i in &names.items {
                match syms.users.get(i.name().name.as_str()) {
                    Some(&v) => bits.set(v - 1),
                    None => {
                        cx.error(
                            "undefined-user",
                            i.name().span,
                            format!("unknown user `{}`", i.name().name),
                            "not declared",
                        );
                        ok = false;
                    }
                }
            }
            if !ok {
                return false;
            }
            (bits, TypeSet::default())
        }
        ROLE => match resolve::role_set(cx, syms, names) {
            Some(b) => (b, TypeSet::default()),
            None => return false,
        },
        _ => {
            let Some(ts) = resolve::type_set(cx, syms, names, Expand::Always, SetPlace::PLAIN)
            else {
                return false;
            };
            (ts.types, written_type_set(syms, names))
        }
    };
    out.push(CExprNode {
        attr: base | side,
        op: op_code(op),
        names: bits,
        type_set,
        ..op_node(NAMES)
    });
    true
}

/// The type set as written: named types and attributes, negated names, `*`/`~` flags.
fn written_type_set(syms: &Syms, set: &ast::Set) -> TypeSet {
    let mut ts = TypeSet::default();
    for i in &set.items {
        if let Some(sym) = syms.ty(&i.name().name) {
            let v = sym.value();
            if i.negated() {
                ts.negset.set(v - 1);
            } else {
                ts.types.set(v - 1);
            }
        }
    }
    if set.star() {
        ts.flags |= TYPE_SET_STAR;
    }
    if set.complement() {
        ts.flags |= TYPE_SET_COMP;
    }
    ts
}
