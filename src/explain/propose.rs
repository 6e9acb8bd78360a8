//! `.te` text that would allow what the explanations found denied: `flaskc audit2allow`.
//!
//! Stage: [`Explanation`]s + `&PolicyDb` + the tree's `xen.if` text in, [`Proposal`]s and
//! their `.te` rendering out. For a permission that no rule grants, an interface of
//! `xen.if` is proposed when its allow rules, with the subject's and object's domain types
//! as arguments, cover every missing permission of the denial; otherwise a raw `allow`.
//! Interfaces are read with a small expander of their own (`$1`/`$2`, nested calls of
//! other interfaces, quotes); interfaces that declare types, take a third argument or use
//! other m4 features are never proposed, since their effect cannot be checked here.

use super::{class_perms, granted_by, type_value, Explanation, Verdict};
use crate::policydb::{avkind, AvtabEntry, AvtabKey, ClassId, PolicyDb, TypeId};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Suffixes of the derived labels of `xen.if` (`T_self`, `T_evchn` ...).
const DERIVED: [&str; 4] = ["_self", "_evchn", "_target", "_build"];

/// The interfaces of a `xen.if`: name to body, in file order of definition.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Interfaces {
    defs: BTreeMap<String, String>,
}

/// What to add for one denial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proposal {
    /// Call this interface (`domain_comms(domU_t, prot_domU_t)`); `exact` when it grants
    /// the missing permissions on the pair and no others of the class.
    Interface {
        /// The call text.
        call: String,
        /// Whether it grants exactly the missing permissions for this pair and class.
        exact: bool,
    },
    /// A raw rule (`allow` or, with `-D`, `dontaudit`).
    Rule(String),
    /// Set these booleans (name, value); no rule is needed.
    Booleans(Vec<(String, bool)>),
    /// Nothing to add: why.
    Note(String),
}

impl Interfaces {
    /// Reads the `define(`name', `body')` blocks of an interface file.
    pub fn parse(text: &str) -> Interfaces {
        let mut defs = BTreeMap::new();
        let mut rest = text;
        while let Some(at) = rest.find("define(`") {
            rest = &rest[at + 8..];
            let Some(end) = rest.find('\'') else { break };
            let name = rest[..end].to_string();
            let Some(open) = rest[end..].find('`') else {
                break;
            };
            let body_start = end + open + 1;
            let Some(len) = quoted_len(&rest[body_start..]) else {
                break;
            };
            defs.insert(name, rest[body_start..body_start + len].to_string());
            rest = &rest[body_start + len..];
        }
        Interfaces { defs }
    }

    /// Expands a call to the text of its rules; `None` when the body does something this
    /// expander does not model (declarations, `ifdef`, `$#`, a third argument).
    fn expand(&self, name: &str, args: &[&str], depth: u32) -> Option<String> {
        let body = self.defs.get(name)?;
        if depth > 8
            || ["$#", "$@", "$3", "ifdef", "ifelse", "define("]
                .iter()
                .any(|k| body.contains(k))
        {
            return None;
        }
        let mut text = body.clone();
        for (i, a) in args.iter().enumerate() {
            text = text.replace(&format!("${}", i + 1), a);
        }
        let text = text.replace(['`', '\''], "");
        let mut out = String::new();
        for stmt in text.lines().map(str::trim) {
            if stmt.is_empty() || stmt.starts_with('#') {
                continue;
            }
            let first = stmt.split_whitespace().next().unwrap_or("");
            if matches!(
                first,
                "type" | "typeattribute" | "attribute" | "role" | "bool"
            ) {
                return None;
            }
            match stmt.split_once('(') {
                Some((callee, args)) if self.defs.contains_key(callee.trim()) => {
                    let args = args.trim_end().strip_suffix(')')?;
                    let args: Vec<&str> = args.split(',').map(str::trim).collect();
                    out.push_str(&self.expand(callee.trim(), &args, depth + 1)?);
                }
                _ => {
                    out.push_str(stmt);
                    out.push('\n');
                }
            }
        }
        Some(out)
    }
}

/// The length of an m4 quoted string whose opening quote is already consumed.
fn quoted_len(s: &str) -> Option<usize> {
    let mut depth = 1;
    for (i, c) in s.char_indices() {
        match c {
            '`' => depth += 1,
            '\'' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The allow rules of expanded text as avtab entries (`None` if a rule names something
/// the policy lacks or uses `~`, `-` or `*`).
fn allow_entries(db: &PolicyDb, text: &str) -> Option<Vec<AvtabEntry>> {
    let mut out = Vec::new();
    for stmt in text.split(';').map(str::trim) {
        let Some(rule) = stmt.strip_prefix("allow ") else {
            continue;
        };
        if rule.contains(['~', '-', '*']) {
            return None;
        }
        let spaced = rule
            .replace('{', " { ")
            .replace('}', " } ")
            .replace(':', " : ");
        let mut w = spaced.split_whitespace().peekable();
        let mut set = || -> Vec<String> {
            let mut v = Vec::new();
            match w.next() {
                Some("{") => {
                    for x in w.by_ref() {
                        if x == "}" {
                            break;
                        }
                        v.push(x.to_string());
                    }
                }
                Some(":") | None => {}
                Some(x) => v.push(x.to_string()),
            }
            v
        };
        let (src, tgt, _colon, classes, perms) = (set(), set(), set(), set(), set());
        for c in &classes {
            let (cv, names) = class_perms(db, c)?;
            let mut bits = 0u32;
            for p in &perms {
                bits |= 1 << names.iter().position(|n| n == p).filter(|&b| b < 32)?;
            }
            for s in &src {
                let sv = type_value(db, s)?;
                for t in &tgt {
                    let tv = if t == "self" { sv } else { type_value(db, t)? };
                    out.push(AvtabEntry {
                        key: AvtabKey::new(
                            TypeId::from_value(sv)?,
                            TypeId::from_value(tv)?,
                            ClassId::from_value(cv)?,
                            avkind::ALLOWED,
                        )
                        .ok()?,
                        data: bits,
                    });
                }
            }
        }
    }
    Some(out)
}

/// The type name and, when it is a derived label, its base domain type.
fn bases(db: &PolicyDb, ty: &str) -> Vec<String> {
    let mut v = vec![ty.to_string()];
    for s in DERIVED {
        if let Some(b) = ty.strip_suffix(s) {
            if type_value(db, b).is_some() {
                v.push(b.to_string());
            }
        }
    }
    v
}

/// The type part of a context.
fn type_of(sid: &crate::avc::Sid) -> Option<&str> {
    match sid {
        crate::avc::Sid::Context(c) => c.split(':').nth(2),
        crate::avc::Sid::Sid(_) => None,
    }
}

/// The narrowest interface call covering `missing` bits of (s, t, class).
fn find_interface(
    db: &PolicyDb,
    ifs: &Interfaces,
    (s, t): (&str, &str),
    class: u32,
    missing: u32,
) -> Option<Proposal> {
    let (sv, tv) = (type_value(db, s)?, type_value(db, t)?);
    let (sset, tset) = (db.type_attrs(sv), db.type_attrs(tv));
    let mut calls: Vec<Vec<String>> = Vec::new();
    for a in bases(db, s) {
        for b in bases(db, t) {
            calls.push(vec![a.clone()]);
            calls.push(vec![b.clone()]);
            calls.push(vec![a.clone(), b.clone()]);
            calls.push(vec![b.clone(), a.clone()]);
        }
    }
    let mut best: Option<(u32, String, bool)> = None;
    // `flk_` names the tree's internal helpers, which modules should not call.
    for name in ifs.defs.keys().filter(|n| !n.starts_with("flk_")) {
        for args in &calls {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let wanted = if ifs.defs[name].contains("$2") { 2 } else { 1 };
            if refs.len() != wanted {
                continue;
            }
            let Some(entries) = ifs
                .expand(name, &refs, 0)
                .and_then(|x| allow_entries(db, &x))
            else {
                continue;
            };
            let granted = granted_by(&entries, &sset, &tset, class);
            if granted & missing != missing {
                continue;
            }
            let size: u32 = entries.iter().map(|e| e.data.count_ones()).sum();
            if best.as_ref().is_none_or(|b| size < b.0) {
                best = Some((
                    size,
                    format!("{name}({})", refs.join(", ")),
                    granted == missing,
                ));
            }
        }
    }
    best.map(|(_, call, exact)| Proposal::Interface { call, exact })
}

/// The proposals for one explanation. Interfaces are only looked for when `ifs` is given
/// and `dontaudit` is false.
pub fn propose(
    db: &PolicyDb,
    ex: &Explanation,
    ifs: Option<&Interfaces>,
    dontaudit: bool,
) -> Vec<Proposal> {
    let mut out = Vec::new();
    if !ex.unknown.is_empty() {
        let what: Vec<String> = ex.unknown.iter().map(super::unknown_text).collect();
        out.push(Proposal::Note(format!(
            "no rule can help, the policy and the hypervisor disagree: {}",
            what.join("; ")
        )));
        return out;
    }
    let (Some(s), Some(t)) = (type_of(&ex.denial.scontext), type_of(&ex.denial.tcontext)) else {
        return out;
    };
    let mut missing: Vec<&str> = Vec::new();
    for (p, v) in &ex.verdicts {
        match v {
            Verdict::NoRule => missing.push(p),
            Verdict::NeedsBool { flips, .. } if !dontaudit && !flips.is_empty() => {
                let b = Proposal::Booleans(flips.clone());
                if !out.contains(&b) {
                    out.push(b);
                }
            }
            Verdict::AllowedWhile { bools, .. } if !dontaudit && !bools.is_empty() => {
                let b = Proposal::Booleans(bools.clone());
                if !out.contains(&b) {
                    out.push(b);
                }
            }
            Verdict::NeedsBool { .. } => missing.push(p),
            Verdict::AllowedWhile { .. } if dontaudit => missing.push(p),
            Verdict::Constrained { index, .. } => out.push(Proposal::Note(format!(
                "`{p}` is forbidden by constraint #{index} of `{}`: no allow rule can change that",
                ex.denial.tclass
            ))),
            Verdict::UnknownPerm => out.push(Proposal::Note(format!(
                "`{p}` is not a permission of `{}` in this policy",
                ex.denial.tclass
            ))),
            Verdict::Allowed | Verdict::AllowedWhile { .. } => {}
        }
    }
    if missing.is_empty() {
        return out;
    }
    let iface = match (ifs, class_perms(db, &ex.denial.tclass)) {
        (Some(ifs), Some((cv, names))) if !dontaudit => {
            let bits = missing
                .iter()
                .filter_map(|p| names.iter().position(|n| n == p).filter(|&b| b < 32))
                .fold(0u32, |a, b| a | (1 << b));
            find_interface(db, ifs, (s, t), cv, bits)
        }
        _ => None,
    };
    let kw = if dontaudit { "dontaudit" } else { "allow" };
    out.push(iface.unwrap_or_else(|| {
        Proposal::Rule(format!(
            "{kw} {s} {t}:{} {{ {} }};",
            ex.denial.tclass,
            missing.join(" ")
        ))
    }));
    out
}

/// The proposals of every explanation as `.te` text, one commented block per denial.
pub fn render_te(
    db: &PolicyDb,
    exs: &[Explanation],
    ifs: Option<&Interfaces>,
    dontaudit: bool,
) -> String {
    let mut o = String::new();
    for ex in exs {
        let props = propose(db, ex, ifs, dontaudit);
        if props.is_empty() {
            continue;
        }
        let d = &ex.denial;
        let _ = writeln!(
            o,
            "# {} -> {} : {} {{ {} }} (log line {})",
            d.scontext,
            d.tcontext,
            d.tclass,
            d.perms.join(" "),
            super::line_list(d)
        );
        for h in &ex.hints {
            let _ = writeln!(
                o,
                "# note: {}:{}: {}: {}",
                h.file,
                h.line,
                h.kind.label(),
                h.text
            );
        }
        if ex
            .hints
            .iter()
            .any(|h| h.kind == super::HintKind::Neverallow)
        {
            let _ = writeln!(
                o,
                "# WARNING: a neverallow names this access; the build may refuse what follows"
            );
        }
        for p in props {
            match p {
                Proposal::Interface { call, exact } => {
                    if !exact {
                        let _ = writeln!(
                            o,
                            "# (the interface also grants other permissions on this pair)"
                        );
                    }
                    let _ = writeln!(o, "{call}");
                }
                Proposal::Rule(r) => {
                    let _ = writeln!(o, "{r}");
                }
                Proposal::Booleans(bs) => {
                    for (b, v) in bs {
                        let _ =
                            writeln!(o, "# no rule needed: xl set-flask-bool {b} {}", u8::from(v));
                    }
                }
                Proposal::Note(n) => {
                    let _ = writeln!(o, "# {n}");
                }
            }
        }
        o.push('\n');
    }
    o
}

/// The proposals as JSON (one object per denial that needs something).
pub fn to_json(
    db: &PolicyDb,
    exs: &[Explanation],
    ifs: Option<&Interfaces>,
    dontaudit: bool,
) -> serde_json::Value {
    use serde_json::json;
    let items: Vec<_> = exs
        .iter()
        .map(|ex| {
            let props: Vec<_> = propose(db, ex, ifs, dontaudit)
                .into_iter()
                .map(|p| match p {
                    Proposal::Interface { call, exact } => json!({"interface": call, "exact": exact}),
                    Proposal::Rule(r) => json!({"rule": r}),
                    Proposal::Booleans(bs) => json!({"booleans": bs.iter().map(|(b, v)| json!({"name": b, "value": v})).collect::<Vec<_>>()}),
                    Proposal::Note(n) => json!({"note": n}),
                })
                .collect();
            json!({
                "scontext": ex.denial.scontext.to_string(),
                "tcontext": ex.denial.tcontext.to_string(),
                "tclass": ex.denial.tclass,
                "perms": ex.denial.perms,
                "proposals": props,
            })
        })
        .collect();
    json!({ "denials": items })
}
