//! `.te` text that would allow what the explanations found denied: `flaskc audit2allow`.
//!
//! Stage: [`Explanation`]s + `&PolicyDb` + the tree's `xen.if` text and neverallow rules in,
//! one [`Advice`] per denial and its `.te` rendering out. Least privilege by design:
//!
//! - what a proposal grants is computed with attributes expanded to their types, less
//!   what the policy already grants unconditionally;
//! - an interface of `xen.if` is proposed only when everything it grants was denied in
//!   the log (every class and type pair it touches); otherwise the raw `allow` rule, with
//!   the narrowest interface that covers the denial as a commented alternative naming
//!   every permission it adds that was never denied, and those that reach memory;
//! - a permission that a constraint of the binary, or a neverallow rule of the tree,
//!   forbids is not proposed; the advice names the rule;
//! - a denial a boolean causes gets the `flask-set-bool` command, not a rule.
//!
//! Interfaces are read with a small expander of their own (`$1`/`$2`, nested calls of
//! other interfaces, quotes); interfaces that declare types, take a third argument or use
//! other m4 features are never proposed, since their effect cannot be checked here.

use super::neverallow::Neverallow;
use super::{
    class_perms, constraint_forbidding, granted_by, resolve_context, type_value, Explanation,
    Verdict,
};
use crate::policydb::{avkind, AvtabEntry, AvtabKey, ClassId, PolicyDb, TypeFlavor, TypeId};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

/// Suffixes of the derived labels of `xen.if` (`T_self`, `T_evchn` ..., and Xen 4.22's
/// `T_channel`, `T_building`).
const DERIVED: [&str; 6] = [
    "_self",
    "_evchn",
    "_channel",
    "_target",
    "_build",
    "_building",
];

/// The interfaces of a `xen.if`: name to body, in file order of definition.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Interfaces {
    defs: BTreeMap<String, String>,
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

/// Concrete (source, target, class) triples and their permission bits.
type Grants = BTreeMap<(u32, u32, u32), u32>;

/// The class names whose permissions reach a domain's memory, besides `map_*` ones.
const MEMORY_CLASSES: [&str; 4] = ["mmu", "hvm", "grant", "resource"];

/// What `audit2allow` may use besides the binary.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inputs<'a> {
    /// The interfaces of the tree's `xen.if` (none: raw rules only).
    pub interfaces: Option<&'a Interfaces>,
    /// The tree's neverallow rules (none: not checked, and the output says so).
    pub neverallows: Option<&'a [Neverallow]>,
    /// Write `dontaudit` rules (silence the denials) instead of `allow` rules.
    pub dontaudit: bool,
}

/// What to add for one denial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proposal {
    /// Call this interface (`domain_comms(domU_t, prot_domU_t)`): everything it grants was
    /// denied in the log.
    Interface(String),
    /// A raw rule (`allow` or, with `-D`, `dontaudit`).
    Rule(String),
    /// An interface that covers the denial but grants more: not proposed, shown as a
    /// commented alternative.
    Alternative {
        /// The call text.
        call: String,
        /// What it adds that was never denied, as `source target:class { perms }`.
        extra: Vec<String>,
        /// Those of the extra permissions that reach memory, as `class:perm`.
        memory: Vec<String>,
        /// The neverallow it breaks, if any (`place: text`).
        forbidden: Option<String>,
    },
    /// Set these booleans (name, value); no rule is needed.
    Booleans(Vec<(String, bool)>),
    /// Nothing to add for some permissions: why.
    Note(String),
}

/// The advice for one denial.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Advice {
    /// What to add, in output order.
    pub proposals: Vec<Proposal>,
    /// The denied permissions the proposals (for this denial or an earlier one) grant.
    pub granted: Vec<String>,
    /// The denied permissions no proposal grants, with the reason.
    pub not_fixed: Vec<(String, String)>,
}

/// What one denial asks of an allow rule, before interfaces are looked at.
struct Want {
    advice: Advice,
    /// (subject type, object type, class) and the bits an allow rule may grant.
    key: Option<(u32, u32, u32)>,
    bits: u32,
    /// The type names of the subject and object, as the log gives them.
    names: (String, String),
}

/// The state of one `advise` run: what the policy already grants, cached per triple.
struct Cx<'a> {
    db: &'a PolicyDb,
    inputs: Inputs<'a>,
    always: HashMap<(u32, u32, u32), u32>,
    members: HashMap<u32, Vec<u32>>,
}

/// The advice for every explanation of a log, in order. Least privilege: see the module
/// documentation. A proposal for one denial that also grants what a later one lacks
/// (an interface covering both) is not repeated for the later one.
pub fn advise(db: &PolicyDb, exs: &[Explanation], inputs: Inputs<'_>) -> Vec<Advice> {
    let mut cx = Cx {
        db,
        inputs,
        always: HashMap::new(),
        members: HashMap::new(),
    };
    let wants: Vec<Want> = exs.iter().map(|ex| cx.want(ex)).collect();
    let mut denied = Grants::new();
    for w in &wants {
        if let Some(k) = w.key {
            *denied.entry(k).or_default() |= w.bits;
        }
    }
    let mut given = Grants::new();
    wants
        .into_iter()
        .map(|w| cx.finish(w, &denied, &mut given))
        .collect()
}

impl Cx<'_> {
    /// Sorts the denied permissions of an explanation: booleans, constraints, neverallows
    /// and unknown names are answered here; the rest are left for a rule.
    fn want(&self, ex: &Explanation) -> Want {
        let (db, dontaudit) = (self.db, self.inputs.dontaudit);
        let mut w = Want {
            advice: Advice::default(),
            key: None,
            bits: 0,
            names: Default::default(),
        };
        let a = &mut w.advice;
        let class = class_perms(db, &ex.denial.tclass);
        let mut unknown = Vec::new();
        let s = resolve_context(db, &ex.denial.scontext, &mut unknown);
        let t = resolve_context(db, &ex.denial.tcontext, &mut unknown);
        let (Some(s), Some(t), Some((cv, perms)), true) = (s, t, class, ex.unknown.is_empty())
        else {
            let what: Vec<String> = ex.unknown.iter().map(super::unknown_text).collect();
            let why = format!(
                "no rule can help, the policy and the hypervisor disagree: {}",
                what.join("; ")
            );
            a.proposals.push(Proposal::Note(why.clone()));
            a.not_fixed = ex
                .denial
                .perms
                .iter()
                .map(|p| (p.clone(), why.clone()))
                .collect();
            return w;
        };
        let class_name = &ex.denial.tclass;
        for (p, v) in &ex.verdicts {
            let bit = perms.iter().position(|n| n == p).filter(|&b| b < 32);
            let mut not_fixed = |why: String| a.not_fixed.push((p.clone(), why));
            match v {
                Verdict::NeedsBool { flips, .. } | Verdict::AllowedWhile { bools: flips, .. }
                    if !dontaudit && !flips.is_empty() =>
                {
                    let cmds: Vec<String> = flips
                        .iter()
                        .map(|(b, v)| super::set_bool_command(b, *v))
                        .collect();
                    not_fixed(format!("a boolean decides it: {}", cmds.join(" or ")));
                    let b = Proposal::Booleans(flips.clone());
                    if !a.proposals.contains(&b) {
                        a.proposals.push(b);
                    }
                }
                Verdict::NoRule | Verdict::NeedsBool { .. } => {
                    let bit = bit.map_or(0, |b| 1u32 << b);
                    match constraint_forbidding(db, cv, bit, s, t).filter(|_| !dontaudit) {
                        Some((i, expr)) => {
                            let why = format!(
                                "`{p}` is forbidden by constraint #{i} of `{class_name}` ({expr}): no allow rule can change that"
                            );
                            a.proposals.push(Proposal::Note(why.clone()));
                            not_fixed(why);
                        }
                        None => w.bits |= bit,
                    }
                }
                Verdict::AllowedWhile { .. } if dontaudit => w.bits |= bit.map_or(0, |b| 1 << b),
                Verdict::Constrained { index, expr } => {
                    let why = format!(
                        "`{p}` is forbidden by constraint #{index} of `{class_name}` ({expr}): no allow rule can change that"
                    );
                    a.proposals.push(Proposal::Note(why.clone()));
                    not_fixed(why);
                }
                Verdict::UnknownPerm => {
                    let why = format!("`{p}` is not a permission of `{class_name}` in this policy");
                    a.proposals.push(Proposal::Note(why.clone()));
                    not_fixed(why);
                }
                Verdict::Allowed | Verdict::AllowedWhile { .. } => {
                    not_fixed("the policy allows it now".into())
                }
            }
        }
        let key = (s.ty, t.ty, cv);
        if !dontaudit {
            for nv in self.inputs.neverallows.unwrap_or(&[]) {
                let f = nv.forbids(key.0, key.1, key.2, w.bits);
                if f == 0 {
                    continue;
                }
                w.bits &= !f;
                let why = format!("forbidden by the neverallow at {}: {}", nv.place, nv.text);
                let names = self.perm_names(cv, f);
                a.proposals.push(Proposal::Note(format!(
                    "not proposed: {{ {} }} is {why}",
                    names.join(" ")
                )));
                a.not_fixed
                    .extend(names.into_iter().map(|p| (p, why.clone())));
            }
        }
        let name = |sid| type_of(sid).unwrap_or_default().to_string();
        w.names = (name(&ex.denial.scontext), name(&ex.denial.tcontext));
        w.key = Some(key);
        w
    }

    /// Chooses the rule or interface for what a denial still lacks.
    fn finish(&mut self, mut w: Want, denied: &Grants, given: &mut Grants) -> Advice {
        let Some(key) = w.key else {
            return w.advice;
        };
        let earlier = given.get(&key).copied().unwrap_or(0) & w.bits;
        let rest = w.bits & !earlier;
        if earlier != 0 {
            w.advice.granted.extend(self.perm_names(key.2, earlier));
            if rest == 0 {
                w.advice.proposals.push(Proposal::Note(
                    "granted by the proposal for an earlier denial above".into(),
                ));
            }
        }
        if rest == 0 {
            return w.advice;
        }
        w.advice.granted.extend(self.perm_names(key.2, rest));
        let (s, t) = (&w.names.0, &w.names.1);
        let perms = self.perm_names(key.2, rest).join(" ");
        let class = self.class_name(key.2).to_string();
        if self.inputs.dontaudit {
            let rule = format!("dontaudit {s} {t}:{class} {{ {perms} }};");
            w.advice.proposals.push(Proposal::Rule(rule));
            return w.advice;
        }
        let covering: Vec<(String, Grants, u32)> = self
            .candidates(s, t)
            .into_iter()
            .filter(|(_, g)| g.get(&key).is_some_and(|b| b & rest == rest))
            .map(|(call, g)| {
                let size = g.values().map(|b| b.count_ones()).sum();
                (call, g, size)
            })
            .collect();
        let exact = covering
            .iter()
            .filter(|(_, g, _)| {
                g.iter()
                    .all(|(k, b)| b & !denied.get(k).copied().unwrap_or(0) == 0)
            })
            .min_by_key(|c| c.2);
        if let Some((call, g, _)) = exact {
            for (k, b) in g {
                *given.entry(*k).or_default() |= b;
            }
            w.advice.proposals.push(Proposal::Interface(call.clone()));
            return w.advice;
        }
        *given.entry(key).or_default() |= rest;
        let rule = format!("allow {s} {t}:{class} {{ {perms} }};");
        w.advice.proposals.push(Proposal::Rule(rule));
        if let Some((call, g, _)) = covering.iter().min_by_key(|c| c.2) {
            let alt = self.alternative(call, g, denied);
            w.advice.proposals.push(alt);
        }
        w.advice
    }

    /// A covering interface that grants more than was denied, described.
    fn alternative(&self, call: &str, grants: &Grants, denied: &Grants) -> Proposal {
        let (mut extra, mut memory, mut forbidden) = (Vec::new(), Vec::new(), None);
        for (&(s, t, c), &bits) in grants {
            let more = bits & !denied.get(&(s, t, c)).copied().unwrap_or(0);
            let class = self.class_name(c);
            if more != 0 {
                let names = self.perm_names(c, more);
                extra.push(format!(
                    "{} {}:{class} {{ {} }}",
                    self.type_name(s),
                    self.type_name(t),
                    names.join(" ")
                ));
                memory.extend(
                    names
                        .iter()
                        .filter(|p| MEMORY_CLASSES.contains(&class) || p.starts_with("map_"))
                        .map(|p| format!("{class}:{p}")),
                );
            }
            if forbidden.is_none() {
                forbidden = self
                    .inputs
                    .neverallows
                    .unwrap_or(&[])
                    .iter()
                    .find(|nv| nv.forbids(s, t, c, bits) != 0)
                    .map(|nv| format!("{}: {}", nv.place, nv.text));
            }
        }
        memory.sort();
        memory.dedup();
        Proposal::Alternative {
            call: call.to_string(),
            extra,
            memory,
            forbidden,
        }
    }

    /// Every interface call on the subject's and object's domain types that this
    /// expander can read, with what it would add to the policy.
    fn candidates(&mut self, s: &str, t: &str) -> Vec<(String, Grants)> {
        let Some(ifs) = self.inputs.interfaces else {
            return Vec::new();
        };
        let mut calls: Vec<Vec<String>> = Vec::new();
        for a in bases(self.db, s) {
            for b in bases(self.db, t) {
                for args in [vec![a.clone()], vec![b.clone()], vec![a.clone(), b.clone()]] {
                    if !calls.contains(&args) {
                        calls.push(args);
                    }
                }
                let back = vec![b.clone(), a.clone()];
                if !calls.contains(&back) {
                    calls.push(back);
                }
            }
        }
        let mut out = Vec::new();
        // `flk_` names the tree's internal helpers, which modules should not call.
        for (name, body) in ifs.defs.iter().filter(|(n, _)| !n.starts_with("flk_")) {
            let wanted = if body.contains("$2") { 2 } else { 1 };
            for args in calls.iter().filter(|a| a.len() == wanted) {
                let refs: Vec<&str> = args.iter().map(String::as_str).collect();
                let Some(entries) = ifs
                    .expand(name, &refs, 0)
                    .and_then(|x| allow_entries(self.db, &x))
                else {
                    continue;
                };
                let grants = self.added(&entries);
                out.push((format!("{name}({})", refs.join(", ")), grants));
            }
        }
        out
    }

    /// What allow entries add to the policy: attributes expanded to their types, less
    /// what the policy grants unconditionally.
    fn added(&mut self, entries: &[AvtabEntry]) -> Grants {
        let mut out = Grants::new();
        for e in entries {
            let class = u32::from(e.key.class);
            let targets = self.concrete(u32::from(e.key.target));
            for s in self.concrete(u32::from(e.key.source)) {
                for &t in &targets {
                    let have = self.granted_always(s, t, class);
                    let new = e.data & !have;
                    if new != 0 {
                        *out.entry((s, t, class)).or_default() |= new;
                    }
                }
            }
        }
        out
    }

    /// The types a type or attribute value stands for.
    fn concrete(&mut self, v: u32) -> Vec<u32> {
        let db = self.db;
        let is_attr = db
            .types
            .get(v as usize - 1)
            .is_some_and(|t| t.flavor == TypeFlavor::Attribute);
        if !is_attr {
            return vec![v];
        }
        self.members
            .entry(v)
            .or_insert_with(|| {
                (1u32..)
                    .zip(&db.types)
                    .filter(|(i, t)| {
                        t.flavor == TypeFlavor::Type
                            && db
                                .type_attr_map
                                .get(*i as usize - 1)
                                .is_some_and(|m| m.get(v - 1))
                    })
                    .map(|(i, _)| i)
                    .collect()
            })
            .clone()
    }

    /// The bits unconditional rules grant (s, t, class).
    fn granted_always(&mut self, s: u32, t: u32, class: u32) -> u32 {
        let db = self.db;
        *self
            .always
            .entry((s, t, class))
            .or_insert_with(|| granted_by(&db.avtab, &db.type_attrs(s), &db.type_attrs(t), class))
    }

    fn perm_names(&self, class: u32, bits: u32) -> Vec<String> {
        let names = class_perms(self.db, self.class_name(class)).map_or(Vec::new(), |c| c.1);
        names
            .iter()
            .enumerate()
            .filter(|(i, _)| *i < 32 && bits & (1 << i) != 0)
            .map(|(_, n)| n.to_string())
            .collect()
    }

    fn class_name(&self, class: u32) -> &str {
        self.db
            .classes
            .get(class as usize - 1)
            .map_or("", |c| c.name.as_str())
    }

    fn type_name(&self, ty: u32) -> &str {
        self.db
            .types
            .get(ty as usize - 1)
            .map_or("", |t| t.name.as_str())
    }
}

/// The advice for every explanation as `.te` text, one commented block per denial.
pub fn render_te(db: &PolicyDb, exs: &[Explanation], inputs: Inputs<'_>) -> String {
    let mut o = String::new();
    if inputs.neverallows.is_none() && !inputs.dontaudit {
        o.push_str(
            "# neverallow rules were not checked (give the policy tree with --source): the build may refuse a rule below\n\n",
        );
    }
    for (ex, advice) in exs.iter().zip(advise(db, exs, inputs)) {
        if advice.proposals.is_empty() {
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
        for p in advice.proposals {
            render_proposal(&mut o, p);
        }
        o.push('\n');
    }
    o
}

fn render_proposal(o: &mut String, p: Proposal) {
    match p {
        Proposal::Interface(call) => {
            let _ = writeln!(o, "# everything this interface grants was denied");
            let _ = writeln!(o, "{call}");
        }
        Proposal::Rule(r) => {
            let _ = writeln!(o, "{r}");
        }
        Proposal::Alternative {
            call,
            extra,
            memory,
            forbidden,
        } => {
            let _ = writeln!(
                o,
                "# alternative, not proposed: {call} also grants what was never denied:"
            );
            for e in &extra {
                let _ = writeln!(o, "#   {e}");
            }
            match memory.is_empty() {
                true => {
                    let _ = writeln!(o, "#   (none of these reaches memory)");
                }
                false => {
                    let _ = writeln!(o, "#   reaching memory: {}", memory.join(" "));
                }
            }
            if let Some(f) = forbidden {
                let _ = writeln!(
                    o,
                    "#   and the build would refuse it: it breaks the neverallow at {f}"
                );
            }
        }
        Proposal::Booleans(bs) => {
            for (b, v) in bs {
                let _ = writeln!(
                    o,
                    "# no rule needed: {} (`flask-get-bool {b}` shows the state)",
                    super::set_bool_command(&b, v)
                );
            }
        }
        Proposal::Note(n) => {
            let _ = writeln!(o, "# {n}");
        }
    }
}

/// The advice as JSON: one object per denial, with what is granted and what is not.
pub fn to_json(db: &PolicyDb, exs: &[Explanation], inputs: Inputs<'_>) -> serde_json::Value {
    use serde_json::json;
    let items: Vec<_> = exs
        .iter()
        .zip(advise(db, exs, inputs))
        .map(|(ex, advice)| {
            let props: Vec<_> = advice
                .proposals
                .into_iter()
                .map(|p| match p {
                    Proposal::Interface(call) => json!({"interface": call}),
                    Proposal::Rule(r) => json!({"rule": r}),
                    Proposal::Alternative { call, extra, memory, forbidden } => json!({
                        "alternative": call, "extra": extra, "memory": memory, "neverallow": forbidden,
                    }),
                    Proposal::Booleans(bs) => json!({"booleans": bs.iter().map(|(b, v)| json!({
                        "name": b, "value": v, "command": super::set_bool_command(b, *v),
                    })).collect::<Vec<_>>()}),
                    Proposal::Note(n) => json!({"note": n}),
                })
                .collect();
            json!({
                "scontext": ex.denial.scontext.to_string(),
                "tcontext": ex.denial.tcontext.to_string(),
                "tclass": ex.denial.tclass,
                "perms": ex.denial.perms,
                "proposals": props,
                "granted": advice.granted,
                "not_fixed": advice.not_fixed.iter().map(|(p, why)| json!({"perm": p, "reason": why})).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "denials": items, "neverallows_checked": inputs.neverallows.is_some() })
}
