//! The policy.conf printer: a syntax tree back to text.
//!
//! [`print()`] writes one statement per line (blocks indented) such that parsing the output
//! gives the same tree up to spans: sets are written with braces where needed, expressions
//! fully parenthesised, paths quoted only when they hold white space. Comments and the
//! original layout are not kept. Recursion follows the tree, whose depth the parser bounds
//! ([`super::MAX_NESTING`], [`super::MAX_OPERATORS`]).

use super::ast::*;
use std::fmt::Write;

/// Writes a policy as policy.conf text.
///
/// ```
/// use flaskc::source::{SourceFile, SourceMap};
/// let mut map = SourceMap::new();
/// let file = map.add(SourceFile::new("a.conf", "class file sid kernel class file { read }"));
/// let (policy, _) = flaskc::syntax::parse(&mut map, file);
/// assert_eq!(flaskc::syntax::print(&policy), "class file\nsid kernel\nclass file { read }\n");
/// ```
pub fn print(policy: &Policy) -> String {
    let mut p = Printer {
        out: String::new(),
        indent: 0,
    };
    p.items(&policy.items);
    p.out
}

struct Printer {
    out: String,
    indent: usize,
}

fn ids(names: &[Ident], sep: &str) -> String {
    names
        .iter()
        .map(|n| n.name.as_str())
        .collect::<Vec<_>>()
        .join(sep)
}

/// `a` or `{ a b }`.
fn id_set(names: &[Ident]) -> String {
    match names {
        [one] => one.name.to_string(),
        _ => format!("{{ {} }}", ids(names, " ")),
    }
}

fn set(s: &Set) -> String {
    if s.star() {
        return "*".to_string();
    }
    let inner = match &*s.items {
        [one] if !one.negated() => one.name().name.to_string(),
        items => {
            let parts: Vec<String> = items
                .iter()
                .map(|i| format!("{}{}", if i.negated() { "-" } else { "" }, i.name().name))
                .collect();
            format!("{{ {} }}", parts.join(" "))
        }
    };
    if s.complement() {
        format!("~{inner}")
    } else {
        inner
    }
}

fn xperms(s: &XpermSet) -> String {
    let parts: Vec<String> = s
        .items
        .iter()
        .map(|r| match &r.high {
            Some(h) => format!("{} - {}", r.low.text, h.text),
            None => r.low.text.clone(),
        })
        .collect();
    format!(
        "{}{{ {} }}",
        if s.complement { "~" } else { "" },
        parts.join(" ")
    )
}

fn level(l: &Level) -> String {
    if l.cats.is_empty() {
        l.sens.name.to_string()
    } else {
        format!("{}:{}", l.sens.name, ids(&l.cats, ","))
    }
}

fn range(r: &MlsRange) -> String {
    match &r.high {
        Some(h) => format!("{} - {}", level(&r.low), level(h)),
        None => level(&r.low),
    }
}

fn context(c: &Context) -> String {
    let mut s = format!("{}:{}:{}", c.user.name, c.role.name, c.ty.name);
    if let Some(r) = &c.range {
        s.push(':');
        s.push_str(&range(r));
    }
    s
}

fn path(p: &Ident) -> String {
    if p.name.contains(char::is_whitespace) || !p.name.starts_with('/') {
        format!("\"{}\"", p.name)
    } else {
        p.name.to_string()
    }
}

fn number_range(low: &Number, high: &Option<Number>) -> String {
    match high {
        Some(h) => format!("{} - {}", low.text, h.text),
        None => low.text.clone(),
    }
}

fn cond(e: &CondExpr) -> String {
    let sub = |e: &CondExpr| match e {
        CondExpr::Bool(b) => b.name.to_string(),
        e => format!("({})", cond(e)),
    };
    match e {
        CondExpr::Bool(b) => b.name.to_string(),
        CondExpr::Not(a) => format!("!{}", sub(a)),
        CondExpr::And(a, b) => format!("{} && {}", sub(a), sub(b)),
        CondExpr::Or(a, b) => format!("{} || {}", sub(a), sub(b)),
        CondExpr::Xor(a, b) => format!("{} ^ {}", sub(a), sub(b)),
        CondExpr::Eq(a, b) => format!("{} == {}", sub(a), sub(b)),
        CondExpr::Neq(a, b) => format!("{} != {}", sub(a), sub(b)),
    }
}

fn operand(o: COperand) -> &'static str {
    match o {
        COperand::U1 => "u1",
        COperand::U2 => "u2",
        COperand::U3 => "u3",
        COperand::R1 => "r1",
        COperand::R2 => "r2",
        COperand::R3 => "r3",
        COperand::T1 => "t1",
        COperand::T2 => "t2",
        COperand::T3 => "t3",
        COperand::L1 => "l1",
        COperand::L2 => "l2",
        COperand::H1 => "h1",
        COperand::H2 => "h2",
    }
}

fn op(o: COp) -> &'static str {
    match o {
        COp::Eq => "==",
        COp::Neq => "!=",
        COp::Dom => "dom",
        COp::Domby => "domby",
        COp::Incomp => "incomp",
    }
}

fn cexpr(e: &CExpr) -> String {
    let sub = |e: &CExpr| match e {
        CExpr::Attr { .. } | CExpr::Names { .. } => cexpr(e),
        e => format!("({})", cexpr(e)),
    };
    match e {
        CExpr::Not(a) => format!("not {}", sub(a)),
        CExpr::And(a, b) => format!("{} and {}", sub(a), sub(b)),
        CExpr::Or(a, b) => format!("{} or {}", sub(a), sub(b)),
        CExpr::Attr {
            left, op: o, right, ..
        } => format!("{} {} {}", operand(*left), op(*o), operand(*right)),
        CExpr::Names {
            operand: x,
            op: o,
            names,
            ..
        } => format!("{} {} {}", operand(*x), op(*o), set(names)),
    }
}

fn default_value(v: DefaultValue) -> &'static str {
    match v {
        DefaultValue::Source => "source",
        DefaultValue::Target => "target",
        DefaultValue::SourceLow => "source low",
        DefaultValue::SourceHigh => "source high",
        DefaultValue::SourceLowHigh => "source low-high",
        DefaultValue::TargetLow => "target low",
        DefaultValue::TargetHigh => "target high",
        DefaultValue::TargetLowHigh => "target low-high",
        DefaultValue::Glblub => "glblub",
    }
}

fn aliases(a: &[Ident]) -> String {
    if a.is_empty() {
        String::new()
    } else {
        format!(" alias {}", id_set(a))
    }
}

fn attrs(a: &[Ident]) -> String {
    if a.is_empty() {
        String::new()
    } else {
        format!(", {}", ids(a, ", "))
    }
}

fn classes(c: &Option<Set>) -> String {
    match c {
        Some(c) => format!(" : {}", set(c)),
        None => String::new(),
    }
}

impl Printer {
    fn line(&mut self, text: &str) {
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn items(&mut self, items: &[Box<Item>]) {
        for item in items {
            self.item(&item.kind);
        }
    }

    /// `head {`, the block's statements indented, `}` and an optional `else` block.
    fn block(&mut self, head: &str, items: &[Box<Item>], else_items: &Option<Items>) {
        self.line(&format!("{head} {{"));
        self.indent += 1;
        self.items(items);
        self.indent -= 1;
        if let Some(e) = else_items {
            self.line("} else {");
            self.indent += 1;
            self.items(e);
            self.indent -= 1;
        }
        self.line("}");
    }

    fn role_doms(&mut self, doms: &[RoleDom]) {
        for d in doms {
            if d.dominated.is_empty() {
                self.line(&format!("role {};", d.role.name));
            } else {
                self.line(&format!("role {} {{", d.role.name));
                self.indent += 1;
                self.role_doms(&d.dominated);
                self.indent -= 1;
                self.line("}");
            }
        }
    }

    fn item(&mut self, kind: &ItemKind) {
        use ItemKind as K;
        let text = match kind {
            K::ClassDecl(n) => format!("class {}", n.name),
            K::SidDecl(n) => format!("sid {}", n.name),
            K::Common { name, perms } => format!("common {} {{ {} }}", name.name, ids(perms, " ")),
            K::ClassDef {
                name,
                inherits,
                perms,
            } => {
                let mut s = format!("class {}", name.name);
                if let Some(c) = inherits {
                    let _ = write!(s, " inherits {}", c.name);
                }
                if !perms.is_empty() || inherits.is_none() {
                    let _ = write!(s, " {{ {} }}", ids(perms, " "));
                }
                s
            }
            K::Default {
                kind,
                classes,
                value,
                ..
            } => {
                let kw = match kind {
                    DefaultKind::User => "default_user",
                    DefaultKind::Role => "default_role",
                    DefaultKind::Type => "default_type",
                    DefaultKind::Range => "default_range",
                };
                format!("{kw} {} {};", id_set(classes), default_value(*value))
            }
            K::Sensitivity { name, aliases: a } => {
                format!("sensitivity {}{};", name.name, aliases(a))
            }
            K::Dominance(s) => format!("dominance {{ {} }}", ids(s, " ")),
            K::Category { name, aliases: a } => format!("category {}{};", name.name, aliases(a)),
            K::LevelDecl(l) => format!("level {};", level(l)),
            K::Constrain {
                mls,
                classes,
                perms,
                expr,
            } => format!(
                "{} {} {} {};",
                if *mls { "mlsconstrain" } else { "constrain" },
                set(classes),
                set(perms),
                cexpr(expr)
            ),
            K::Validatetrans { mls, classes, expr } => format!(
                "{} {} {};",
                if *mls {
                    "mlsvalidatetrans"
                } else {
                    "validatetrans"
                },
                set(classes),
                cexpr(expr)
            ),
            K::Policycap(n) => format!("policycap {};", n.name),
            K::Attribute(n) => format!("attribute {};", n.name),
            K::ExpandAttribute { attrs: a, expand } => {
                format!("expandattribute {} {expand};", id_set(a))
            }
            K::Type {
                name,
                aliases: al,
                attrs: at,
            } => format!("type {}{}{};", name.name, aliases(al), attrs(at)),
            K::TypeAlias { target, aliases: a } => {
                format!("typealias {}{};", target.name, aliases(a))
            }
            K::TypeAttribute { ty, attrs: a } => {
                format!("typeattribute {} {};", ty.name, ids(a, ", "))
            }
            K::TypeBounds { bound, types } => {
                format!("typebounds {} {};", bound.name, ids(types, ", "))
            }
            K::Permissive(n) => format!("permissive {};", n.name),
            K::Empty => ";".to_string(),
            K::Bool { name, value } => format!("bool {} {value};", name.name),
            K::Tunable { name, value } => format!("tunable {} {value};", name.name),
            K::AvRule {
                kind,
                source,
                target,
                classes,
                perms,
            } => {
                let kw = match kind {
                    AvRuleKind::Allow => "allow",
                    AvRuleKind::Auditallow => "auditallow",
                    AvRuleKind::Auditdeny => "auditdeny",
                    AvRuleKind::Dontaudit => "dontaudit",
                    AvRuleKind::Neverallow => "neverallow",
                };
                format!(
                    "{kw} {} {} : {} {};",
                    set(source),
                    set(target),
                    set(classes),
                    set(perms)
                )
            }
            K::XpermRule {
                kind,
                source,
                target,
                classes,
                operation,
                perms,
            } => {
                let kw = match kind {
                    XpermRuleKind::Allow => "allowxperm",
                    XpermRuleKind::Auditallow => "auditallowxperm",
                    XpermRuleKind::Dontaudit => "dontauditxperm",
                    XpermRuleKind::Neverallow => "neverallowxperm",
                };
                format!(
                    "{kw} {} {} : {} {} {};",
                    set(source),
                    set(target),
                    set(classes),
                    operation.name,
                    xperms(perms)
                )
            }
            K::TypeRule {
                kind,
                source,
                target,
                classes,
                new_type,
                object_name,
            } => {
                let kw = match kind {
                    TypeRuleKind::Transition => "type_transition",
                    TypeRuleKind::Member => "type_member",
                    TypeRuleKind::Change => "type_change",
                };
                let name = object_name
                    .as_ref()
                    .map(|n| format!(" \"{}\"", n.name))
                    .unwrap_or_default();
                format!(
                    "{kw} {} {} : {} {}{name};",
                    set(source),
                    set(target),
                    set(classes),
                    new_type.name
                )
            }
            K::Role {
                name,
                types,
                attrs: a,
            } => match types {
                Some(t) => format!("role {} types {};", name.name, set(t)),
                None => format!("role {}{};", name.name, attrs(a)),
            },
            K::AttributeRole(n) => format!("attribute_role {};", n.name),
            K::RoleAttribute { role, attrs: a } => {
                format!("roleattribute {} {};", role.name, ids(a, ", "))
            }
            K::RoleTransition {
                roles,
                types,
                classes: c,
                new_role,
            } => format!(
                "role_transition {} {}{} {};",
                set(roles),
                set(types),
                classes(c),
                new_role.name
            ),
            K::RoleAllow { from, to } => format!("allow {} {};", set(from), set(to)),
            K::RoleDominance(doms) => {
                self.line("dominance {");
                self.indent += 1;
                self.role_doms(doms);
                self.indent -= 1;
                self.line("}");
                return;
            }
            K::User {
                name,
                roles,
                level: l,
                range: r,
            } => match (l, r) {
                (Some(l), Some(r)) => format!(
                    "user {} roles {} level {} range {};",
                    name.name,
                    set(roles),
                    level(l),
                    range(r)
                ),
                _ => format!("user {} roles {};", name.name, set(roles)),
            },
            K::RangeTransition {
                source,
                target,
                classes: c,
                range: r,
            } => format!(
                "range_transition {} {}{} {};",
                set(source),
                set(target),
                classes(c),
                range(r)
            ),
            K::If {
                cond: c,
                then_items,
                else_items,
            } => {
                self.block(&format!("if ({})", cond(c)), then_items, else_items);
                return;
            }
            K::Optional { items, else_items } => {
                self.block("optional", items, else_items);
                return;
            }
            K::Require(decls) => {
                self.line("require {");
                self.indent += 1;
                for d in decls {
                    if d.kind.name == "class" {
                        self.line(&format!(
                            "class {} {};",
                            ids(&d.names, " "),
                            id_set(&d.perms)
                        ));
                    } else {
                        self.line(&format!("{} {};", d.kind.name, ids(&d.names, ", ")));
                    }
                }
                self.indent -= 1;
                self.line("}");
                return;
            }
            K::SidContext { name, context: c } => format!("sid {} {}", name.name, context(c)),
            K::Pirqcon { pirq, context: c } => format!("pirqcon {} {}", pirq.text, context(c)),
            K::Iomemcon {
                low,
                high,
                context: c,
            } => format!("iomemcon {} {}", number_range(low, high), context(c)),
            K::Ioportcon {
                low,
                high,
                context: c,
            } => format!("ioportcon {} {}", number_range(low, high), context(c)),
            K::Pcidevicecon { device, context: c } => {
                format!("pcidevicecon {} {}", device.text, context(c))
            }
            K::Devicetreecon {
                path: p,
                context: c,
            } => format!("devicetreecon {} {}", path(p), context(c)),
            K::Fscon {
                a,
                b,
                context: c,
                context2,
            } => format!(
                "fscon {} {} {} {}",
                a.text,
                b.text,
                context(c),
                context(context2)
            ),
            K::FsUse {
                behavior,
                fs,
                context: c,
            } => {
                let kw = match behavior {
                    FsUseKind::Xattr => "fs_use_xattr",
                    FsUseKind::Task => "fs_use_task",
                    FsUseKind::Trans => "fs_use_trans",
                };
                format!("{kw} {} {};", fs.name, context(c))
            }
            K::Genfscon {
                fs,
                path: p,
                file_type,
                context: c,
            } => {
                let ft = file_type
                    .as_ref()
                    .map(|f| format!(" {}", f.name))
                    .unwrap_or_default();
                format!("genfscon {} {}{ft} {}", fs.name, path(p), context(c))
            }
            K::Portcon {
                protocol,
                low,
                high,
                context: c,
            } => format!(
                "portcon {} {} {}",
                protocol.name,
                number_range(low, high),
                context(c)
            ),
            K::Netifcon {
                name,
                context: c,
                context2,
            } => format!(
                "netifcon {} {} {}",
                name.name,
                context(c),
                context(context2)
            ),
            K::Nodecon {
                addr,
                mask,
                context: c,
            } => format!("nodecon {} {} {}", addr.name, mask.name, context(c)),
            K::Ibpkeycon {
                subnet,
                low,
                high,
                context: c,
            } => format!(
                "ibpkeycon {} {} {}",
                subnet.name,
                number_range(low, high),
                context(c)
            ),
            K::Ibendportcon {
                device,
                port,
                context: c,
            } => format!("ibendportcon {} {} {}", device.name, port.text, context(c)),
        };
        self.line(&text);
    }
}

#[cfg(test)]
mod tests {
    use crate::source::{SourceFile, SourceMap};

    fn reprint(text: &str) -> String {
        let mut map = SourceMap::new();
        let file = map.add(SourceFile::new("t.conf", text));
        let (p, _) = crate::syntax::parse(&mut map, file);
        super::print(&p)
    }

    #[test]
    fn sets_get_braces_only_when_needed() {
        assert_eq!(
            reprint("allow a b - c : { d } ~e;"),
            "allow a { b -c } : d ~e;\n"
        );
        assert_eq!(reprint("allow a b : c *;"), "allow a b : c *;\n");
    }

    #[test]
    fn expressions_are_fully_parenthesised() {
        assert_eq!(
            reprint("if a || b && !c { allow a b : c d; }"),
            "if (a || (b && (!c))) {\n    allow a b : c d;\n}\n"
        );
        assert_eq!(
            reprint("constrain c p not (u1 == u2 or sameuser) and t1 != { a b };"),
            "constrain c p (not (u1 == u2 or u1 == u2)) and t1 != { a b };\n"
        );
    }

    #[test]
    fn paths_are_quoted_only_with_white_space() {
        assert_eq!(
            reprint("genfscon proc \"/a b\" -- u:r:t genfscon proc \"/c\" u:r:t"),
            "genfscon proc \"/a b\" -- u:r:t\ngenfscon proc /c u:r:t\n"
        );
    }
}
