//! The query stage: read-only questions over a [`PolicyDb`](crate::policydb::PolicyDb), usually one read from a
//! binary by `binary::read` — statistics and listings ([`mod@info`]), rule search
//! ([`mod@search`]) and the differences between two policies ([`mod@diff`]).
//!
//! Every function here is pure: it takes `&PolicyDb` and returns plain data (names, not
//! values, since values differ between policies) that `cli` renders as text or JSON. Bad
//! values in a policy show as `?` names rather than panics.

pub mod diff;
pub mod info;
pub mod search;

pub use diff::diff;
pub use info::info;
pub use search::search;

use crate::policydb::{
    cexpr, CExprNode, CondExprItem, CondOp, Context, Ebitmap, Level, Names, OContext, Protocol,
    Range,
};

/// A name or `?` for a value without one (only in policies that break their invariants).
fn or_unknown(name: Option<&str>) -> &str {
    name.unwrap_or("?")
}

/// Permission names of the bits of `av` for a class, sorted (unknown bits skipped).
fn perm_names(names: &Names, class: u32, av: u32) -> Vec<String> {
    let perms = names.perms(class);
    let mut out: Vec<String> = (0..32)
        .filter(|b| av & (1 << b) != 0)
        .filter_map(|b| perms.get(b).map(|p| (*p).to_owned()))
        .collect();
    out.sort();
    out
}

/// Categories as `c0.c3,c5` (runs of three or more as a dotted range).
fn cats_str(names: &Names, cats: &Ebitmap) -> String {
    let bits: Vec<u32> = cats.iter().collect();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < bits.len() {
        let mut j = i;
        while j + 1 < bits.len() && bits[j + 1] == bits[j] + 1 {
            j += 1;
        }
        let name = |b: u32| or_unknown(names.cat(b + 1)).to_owned();
        match j - i {
            0 => parts.push(name(bits[i])),
            1 => parts.extend([name(bits[i]), name(bits[j])]),
            _ => parts.push(format!("{}.{}", name(bits[i]), name(bits[j]))),
        }
        i = j + 1;
    }
    parts.join(",")
}

/// An MLS level as `s0:c0.c3`.
fn level_str(names: &Names, l: &Level) -> String {
    let sens = or_unknown(names.sens(l.sens));
    if l.cats.is_empty() {
        sens.to_owned()
    } else {
        format!("{sens}:{}", cats_str(names, &l.cats))
    }
}

/// An MLS range as `low - high`, or one level when both are equal.
fn range_str(names: &Names, r: &Range) -> String {
    if r.low == r.high {
        level_str(names, &r.low)
    } else {
        format!(
            "{} - {}",
            level_str(names, &r.low),
            level_str(names, &r.high)
        )
    }
}

/// A security context as `user:role:type[:range]`.
fn context_str(names: &Names, c: &Context) -> String {
    let base = format!(
        "{}:{}:{}",
        or_unknown(names.user(c.user)),
        or_unknown(names.role(c.role)),
        or_unknown(names.ty(c.ty))
    );
    if names.db().mls {
        format!("{base}:{}", range_str(names, &c.range))
    } else {
        base
    }
}

/// Folds a postfix expression into infix text; `None` when it is malformed.
fn fold_postfix<T>(
    items: &[T],
    leaf: impl Fn(&T) -> Option<String>,
    op: impl Fn(&T) -> Option<(u8, &'static str)>,
) -> Option<String> {
    // Each stack entry is the text and the precedence of its outermost operator.
    let mut stack: Vec<(String, u8)> = Vec::new();
    for item in items {
        if let Some(text) = leaf(item) {
            stack.push((text, u8::MAX));
            continue;
        }
        let (prec, sym) = op(item)?;
        let wrap = |(s, p): (String, u8)| if p < prec { format!("({s})") } else { s };
        if prec == UNARY {
            let a = stack.pop()?;
            stack.push((format!("{sym} {}", wrap(a)), prec));
        } else {
            let b = stack.pop()?;
            let a = stack.pop()?;
            stack.push((format!("{} {sym} {}", wrap(a), wrap(b)), prec));
        }
    }
    let (text, _) = stack.pop()?;
    stack.is_empty().then_some(text)
}

/// The precedence of unary operators in [`fold_postfix`].
const UNARY: u8 = 9;

/// A conditional expression in infix form (`! a`, `a && b`).
fn cond_expr_str(names: &Names, expr: &[CondExprItem]) -> String {
    fold_postfix(
        expr,
        |e| (e.kind == CondOp::Bool).then(|| or_unknown(names.boolean(e.bool_value)).to_owned()),
        |e| match e.kind {
            CondOp::Not => Some((UNARY, "!")),
            CondOp::Or => Some((1, "||")),
            CondOp::And => Some((3, "&&")),
            CondOp::Xor => Some((2, "^")),
            CondOp::Eq => Some((4, "==")),
            CondOp::Neq => Some((4, "!=")),
            CondOp::Bool => None,
        },
    )
    .unwrap_or_else(|| "?".to_owned())
}

/// Whether a constraint expression compares MLS levels (so it is an `mlsconstrain` or
/// `mlsvalidatetrans`).
fn is_mls_constraint(expr: &[CExprNode]) -> bool {
    expr.iter()
        .any(|n| n.kind == cexpr::ATTR && n.attr >= cexpr::L1L2)
}

/// A constraint expression in policy.conf syntax (`u1 == u2 and t1 == { a b }`).
fn cexpr_str(names: &Names, expr: &[CExprNode]) -> String {
    const OPS: [&str; 6] = ["?", "==", "!=", "dom", "domby", "incomp"];
    let leaf = |n: &CExprNode| {
        if n.kind != cexpr::ATTR && n.kind != cexpr::NAMES {
            return None;
        }
        let op = OPS.get(n.op as usize).copied().unwrap_or("?");
        let (left, right) = operands(n.attr);
        if n.kind == cexpr::ATTR {
            return Some(format!("{left} {op} {right}"));
        }
        let lookup = |v: u32| match n.attr & cexpr::SUBJECT_MASK {
            cexpr::USER => names.user(v),
            cexpr::ROLE => names.role(v),
            _ => names.ty(v),
        };
        let mut set: Vec<&str> = n.names.iter().map(|b| or_unknown(lookup(b + 1))).collect();
        set.sort_unstable();
        Some(format!("{left} {op} {{ {} }}", set.join(" ")))
    };
    fold_postfix(expr, leaf, |n| match n.kind {
        cexpr::NOT => Some((UNARY, "not")),
        cexpr::AND => Some((2, "and")),
        cexpr::OR => Some((1, "or")),
        _ => None,
    })
    .unwrap_or_else(|| "?".to_owned())
}

/// The two operands an expression node's attribute flags name.
fn operands(attr: u32) -> (String, &'static str) {
    const MLS: [(u32, &str, &str); 6] = [
        (cexpr::L1L2, "l1", "l2"),
        (cexpr::L1H2, "l1", "h2"),
        (cexpr::H1L2, "h1", "l2"),
        (cexpr::H1H2, "h1", "h2"),
        (cexpr::L1H1, "l1", "h1"),
        (cexpr::L2H2, "l2", "h2"),
    ];
    if let Some((_, a, b)) = MLS.iter().find(|m| attr & m.0 != 0) {
        return ((*a).to_owned(), b);
    }
    let letter = match attr & cexpr::SUBJECT_MASK {
        cexpr::USER => "u",
        cexpr::ROLE => "r",
        _ => "t",
    };
    let side = if attr & cexpr::XTARGET != 0 {
        "3"
    } else if attr & cexpr::TARGET != 0 {
        "2"
    } else {
        "1"
    };
    let right = match letter {
        "u" => "u2",
        "r" => "r2",
        _ => "t2",
    };
    (format!("{letter}{side}"), right)
}

/// An object context as a policy.conf-like statement (`pirqcon 33 system_u:...`), with
/// the initial SIDs named as libsepol names them.
fn ocontext_str(names: &Names, oc: &OContext) -> String {
    let ctx = |c: &Context| context_str(names, c);
    match oc {
        OContext::Isid { sid, context } => {
            let name = crate::policydb::names::sid_name(names.db().target, *sid);
            format!("sid {} {}", name.unwrap_or("?"), ctx(context))
        }
        OContext::Pirq { pirq, context } => format!("pirqcon {pirq} {}", ctx(context)),
        OContext::Ioport { low, high, context } => {
            format!(
                "ioportcon {} {}",
                span(*low as u64, *high as u64),
                ctx(context)
            )
        }
        OContext::Iomem { low, high, context } => {
            format!("iomemcon {} {}", span(*low, *high), ctx(context))
        }
        OContext::Pcidevice { device, context } => {
            format!("pcidevicecon {device:#x} {}", ctx(context))
        }
        OContext::Devicetree { path, context } => {
            format!("devicetreecon {path} {}", ctx(context))
        }
        OContext::Fs {
            name,
            context,
            context2,
        } => {
            format!("fscon {name} {} {}", ctx(context), ctx(context2))
        }
        OContext::Port {
            protocol,
            low,
            high,
            context,
        } => {
            let proto = Protocol::from_number(*protocol)
                .map_or_else(|| protocol.to_string(), |p| p.name().to_owned());
            let ports = if low == high {
                low.to_string()
            } else {
                format!("{low}-{high}")
            };
            format!("portcon {proto} {ports} {}", ctx(context))
        }
        OContext::Netif {
            name,
            context,
            context2,
        } => {
            format!("netifcon {name} {} {}", ctx(context), ctx(context2))
        }
        OContext::Node {
            addr,
            mask,
            context,
        } => format!(
            "nodecon {} {} {}",
            std::net::Ipv4Addr::from(addr.to_le_bytes()),
            std::net::Ipv4Addr::from(mask.to_le_bytes()),
            ctx(context)
        ),
        OContext::FsUse {
            behavior,
            name,
            context,
        } => {
            format!("fs_use_{} {name} {}", behavior.name(), ctx(context))
        }
        OContext::Node6 {
            addr,
            mask,
            context,
        } => format!("nodecon {} {} {}", ipv6(addr), ipv6(mask), ctx(context)),
        OContext::Ibpkey {
            subnet_prefix,
            low,
            high,
            context,
        } => {
            format!(
                "ibpkeycon {subnet_prefix:#x} {} {}",
                span(*low as u64, *high as u64),
                ctx(context)
            )
        }
        OContext::Ibendport {
            name,
            port,
            context,
        } => {
            format!("ibendportcon {name} {port} {}", ctx(context))
        }
    }
}

/// A number or range of numbers in hex.
fn span(low: u64, high: u64) -> String {
    if low == high {
        format!("{low:#x}")
    } else {
        format!("{low:#x}-{high:#x}")
    }
}

/// An IPv6 address stored as four network-order words.
fn ipv6(words: &[u32; 4]) -> std::net::Ipv6Addr {
    let mut bytes = [0u8; 16];
    for (chunk, w) in bytes.chunks_exact_mut(4).zip(words) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
    std::net::Ipv6Addr::from(bytes)
}
