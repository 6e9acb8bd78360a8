//! Why the hypervisor denied an access: AVC records checked against a [`PolicyDb`].
//!
//! Stage: `avc::parse` records + `&PolicyDb` (+ optionally the text of the policy tree) in,
//! [`Explanation`]s out; `propose` turns them into `.te` text for `flaskc audit2allow`.
//! Pure: the CLI reads the files. Denials are grouped by (scontext, tcontext, tclass), and
//! each permission gets a [`Verdict`]: unknown to the policy, allowed now, allowed only
//! with other boolean values, forbidden by a constraint, or granted by no rule.
//!
//! A binary holds no run-time state: boolean states are the policy's defaults unless the
//! caller passes the running ones ([`bool_states`], from `flask-get-bool -a` output and
//! `NAME=VALUE` overrides), and a verdict that depends on a boolean says which value it
//! needs and the `flask-set-bool` command that sets it.
#![warn(missing_docs)]

pub mod neverallow;
pub mod propose;
mod tree;

pub use tree::{Hint, HintKind, TreeFile};

use crate::avc::{AvcRecord, Decision, Sid};
use crate::dump::{cond_expr_text, constraint_expr_text};
use crate::policydb::{avkind, eval_cond, CExprNode, CondExprItem, CondOp, Ebitmap, PolicyDb};
use std::collections::{HashMap, HashSet};

/// One distinct denial: a (subject, object, class) triple and every permission denied on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// The subject.
    pub scontext: Sid,
    /// The object.
    pub tcontext: Sid,
    /// The class name.
    pub tclass: String,
    /// The permissions denied, in order of first appearance.
    pub perms: Vec<String>,
    /// The first [`MAX_DENIAL_LINES`] log lines that reported it.
    pub lines: Vec<u32>,
    /// How many log lines reported it.
    pub count: u64,
}

/// The most log lines kept (and printed) per denial; the rest are counted.
pub const MAX_DENIAL_LINES: usize = 100;

/// The most distinct denials kept from one log; lines denying another triple after that
/// are counted in [`Report::left_out`]. A real log has a few hundred.
pub const MAX_DENIALS: usize = 100_000;

/// A name in a record that the policy does not define.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unknown {
    /// The hypervisor printed a SID for which it had no context.
    Sid(u32),
    /// A context that is not `user:role:type[:level]`.
    Context(String),
    /// An undefined user.
    User(String),
    /// An undefined role.
    Role(String),
    /// An undefined type.
    Type(String),
    /// An undefined class.
    Class(String),
}

/// Why one permission was denied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The class has no such permission (the hypervisor and the policy disagree).
    UnknownPerm,
    /// The policy allows it now, unconditionally: the log is older than the policy.
    Allowed,
    /// The policy allows it with the booleans' default states, through a conditional
    /// rule: the denial happened while a boolean had the other value.
    AllowedWhile {
        /// The condition (policy.conf syntax).
        condition: String,
        /// The branch that holds the rule.
        branch: bool,
        /// Booleans whose flip alone turns the rule off, with the value that allows it.
        bools: Vec<(String, bool)>,
    },
    /// A conditional rule allows it, but not with the booleans' default states.
    NeedsBool {
        /// The condition (policy.conf syntax) and whether its `true` branch grants it.
        condition: String,
        /// The branch that holds the rule.
        branch: bool,
        /// Single booleans whose flip alone activates the rule: name and value needed.
        flips: Vec<(String, bool)>,
    },
    /// The type rules allow it but a constraint of the class forbids it.
    Constrained {
        /// Index of the constraint among the class's constraints.
        index: usize,
        /// The constraint expression (policy.conf syntax).
        expr: String,
    },
    /// No allow rule grants it, conditional or not.
    NoRule,
}

/// The verdicts of one denial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The denial.
    pub denial: Denial,
    /// Names the policy does not define; when not empty, `verdicts` is empty.
    pub unknown: Vec<Unknown>,
    /// One verdict per permission, in the order of `denial.perms`.
    pub verdicts: Vec<(String, Verdict)>,
    /// Places in the policy tree related to the verdicts (empty without a tree).
    pub hints: Vec<Hint>,
}

/// The result of explaining a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// One explanation per distinct denial, in order of first appearance.
    pub explanations: Vec<Explanation>,
    /// How many `granted` lines (auditallow) were read and left out.
    pub granted: usize,
    /// How many denied lines were left out because they named a new triple after
    /// [`MAX_DENIALS`] distinct ones.
    pub left_out: u64,
}

/// Denials grouped as records arrive, so that a log can be read as a stream holding only
/// the distinct denials (a log of a million repeated lines holds one).
#[derive(Debug, Default)]
pub struct Denials {
    groups: Vec<Denial>,
    index: HashMap<(Sid, Sid, String), usize>,
    /// Per group, its permissions, to add each new one in constant time.
    seen: Vec<HashSet<String>>,
    granted: usize,
    left_out: u64,
}

impl Denials {
    /// Adds one record.
    pub fn add(&mut self, r: AvcRecord) {
        if r.decision == Decision::Granted {
            self.granted += 1;
            return;
        }
        let key = (r.scontext, r.tcontext, r.tclass);
        let i = match self.index.get(&key) {
            Some(&i) => i,
            None if self.groups.len() >= MAX_DENIALS => {
                self.left_out += 1;
                return;
            }
            None => {
                self.groups.push(Denial {
                    scontext: key.0.clone(),
                    tcontext: key.1.clone(),
                    tclass: key.2.clone(),
                    perms: Vec::new(),
                    lines: Vec::new(),
                    count: 0,
                });
                self.seen.push(HashSet::new());
                self.index.insert(key, self.groups.len() - 1);
                self.groups.len() - 1
            }
        };
        let (g, seen) = (&mut self.groups[i], &mut self.seen[i]);
        g.count += 1;
        if g.lines.len() < MAX_DENIAL_LINES {
            g.lines.push(r.line);
        }
        for p in r.perms {
            if !seen.contains(&p) {
                seen.insert(p.clone());
                g.perms.push(p);
            }
        }
    }

    /// Explains each denial against the policy (see [`explain`]), with these boolean
    /// states (by value - 1; see [`bool_states`]).
    pub fn explain(self, db: &PolicyDb, tree: &[TreeFile], states: &[bool]) -> Report {
        let explanations = self
            .groups
            .into_iter()
            .map(|d| explain_one(db, d, tree, states))
            .collect();
        Report {
            explanations,
            granted: self.granted,
            left_out: self.left_out,
        }
    }
}

/// Groups denials by (scontext, tcontext, tclass) and explains each against the policy.
///
/// `tree` is the text of the policy tree's files (empty when there is none); it only adds
/// [`Hint`]s. Never panics, whatever the records name.
///
/// ```
/// use flaskc::policydb::{PolicyDb, Target};
/// let db = PolicyDb::new(Target::Xen, false);
/// let log = flaskc::avc::parse("avc: denied { send } for scontext=u:r:a_t tcontext=u:r:b_t tclass=event");
/// let report = flaskc::explain::explain(&db, &log.records, &[]);
/// // An empty policy knows none of these names.
/// assert!(!report.explanations[0].unknown.is_empty());
/// ```
pub fn explain(db: &PolicyDb, records: &[AvcRecord], tree: &[TreeFile]) -> Report {
    let mut denials = Denials::default();
    for r in records {
        denials.add(r.clone());
    }
    denials.explain(db, tree, &default_states(db))
}

/// A context resolved to values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ctx {
    pub user: u32,
    pub role: u32,
    pub ty: u32,
}

/// Resolves `user:role:type[:level]`, collecting what is undefined.
pub(crate) fn resolve_context(db: &PolicyDb, sid: &Sid, unknown: &mut Vec<Unknown>) -> Option<Ctx> {
    let text = match sid {
        Sid::Sid(n) => {
            unknown.push(Unknown::Sid(*n));
            return None;
        }
        Sid::Context(c) => c,
    };
    let mut parts = text.splitn(4, ':');
    let (Some(u), Some(r), Some(t)) = (parts.next(), parts.next(), parts.next()) else {
        unknown.push(Unknown::Context(text.clone()));
        return None;
    };
    let user = value_of(db.users.iter().map(|x| x.name.as_str()), u);
    let role = value_of(
        db.roles.iter().map(|x| x.as_ref().map_or("", |r| &r.name)),
        r,
    );
    // A label names a type; an attribute is no domain's or object's label.
    let ty = type_value(db, t).filter(|&v| {
        db.types
            .get(v as usize - 1)
            .is_some_and(|x| x.flavor == crate::policydb::TypeFlavor::Type)
    });
    let n = unknown.len();
    if user.is_none() {
        unknown.push(Unknown::User(u.to_string()));
    }
    if role.is_none() {
        unknown.push(Unknown::Role(r.to_string()));
    }
    if ty.is_none() {
        unknown.push(Unknown::Type(t.to_string()));
    }
    (unknown.len() == n).then(|| Ctx {
        user: user.unwrap_or(0),
        role: role.unwrap_or(0),
        ty: ty.unwrap_or(0),
    })
}

/// The 1-based value of a name in a table in value order.
pub(crate) fn value_of<'a>(names: impl Iterator<Item = &'a str>, name: &str) -> Option<u32> {
    names.zip(1u32..).find(|(n, _)| *n == name).map(|(_, v)| v)
}

/// The value of a type, attribute or alias name.
pub(crate) fn type_value(db: &PolicyDb, name: &str) -> Option<u32> {
    value_of(db.types.iter().map(|t| t.name.as_str()), name).or_else(|| {
        db.aliases
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.target.value())
    })
}

/// A class's value and its permission names (common ones first, bit = index).
pub(crate) fn class_perms<'a>(db: &'a PolicyDb, name: &str) -> Option<(u32, Vec<&'a str>)> {
    let v = value_of(db.classes.iter().map(|c| c.name.as_str()), name)?;
    let c = db.classes.get(v as usize - 1)?;
    let common = c
        .common
        .as_ref()
        .and_then(|n| db.commons.iter().find(|cm| &cm.name == n));
    let perms = common
        .into_iter()
        .flat_map(|cm| cm.perms.iter())
        .chain(c.perms.iter())
        .map(String::as_str)
        .collect();
    Some((v, perms))
}

/// The permission bits the entries grant for (source, target, class).
pub(crate) fn granted_by<'a>(
    entries: impl IntoIterator<Item = &'a crate::policydb::AvtabEntry>,
    s: &Ebitmap,
    t: &Ebitmap,
    class: u32,
) -> u32 {
    entries
        .into_iter()
        .filter(|e| {
            e.key.specified & avkind::ALLOWED != 0
                && u32::from(e.key.class) == class
                && e.key.source > 0
                && e.key.target > 0
                && s.get(u32::from(e.key.source) - 1)
                && t.get(u32::from(e.key.target) - 1)
        })
        .fold(0, |acc, e| acc | e.data)
}

/// The booleans' default states, by value - 1.
pub fn default_states(db: &PolicyDb) -> Vec<bool> {
    db.bools.iter().map(|b| b.state).collect()
}

/// What the avtab grants a (source, target, class) triple, split by where it comes from.
pub(crate) struct Access {
    /// Bits granted by unconditional rules.
    pub always: u32,
    /// Bits granted with these boolean states (unconditional and active branches).
    pub now: u32,
    /// Active conditional branches granting something: (node index, branch, bits).
    pub active: Vec<(usize, bool, u32)>,
    /// Inactive conditional branches granting something: (node index, branch, bits).
    pub inactive: Vec<(usize, bool, u32)>,
}

/// The permissions the policy grants `sty` on `tty` in `class` with these boolean states.
pub(crate) fn access(db: &PolicyDb, sty: u32, tty: u32, class: u32, states: &[bool]) -> Access {
    let (sset, tset) = (db.type_attrs(sty), db.type_attrs(tty));
    let always = granted_by(&db.avtab, &sset, &tset, class);
    let mut acc = Access {
        always,
        now: always,
        active: Vec::new(),
        inactive: Vec::new(),
    };
    for (i, node) in db.cond_list.iter().enumerate() {
        let on = eval_cond(&node.expr, states).unwrap_or(false);
        for (branch, list) in [(true, &node.true_list), (false, &node.false_list)] {
            let bits = granted_by(list, &sset, &tset, class);
            if bits == 0 {
                continue;
            }
            if branch == on {
                acc.now |= bits;
                acc.active.push((i, branch, bits));
            } else {
                acc.inactive.push((i, branch, bits));
            }
        }
    }
    acc
}

/// Evaluates a non-MLS constraint for a subject and object; `None` when it compares MLS
/// levels or role dominance (not checked here).
fn eval_constraint(expr: &[CExprNode], s: Ctx, t: Ctx) -> Option<bool> {
    use crate::policydb::cexpr;
    let mut st: Vec<bool> = Vec::new();
    for e in expr {
        let v = match e.kind {
            cexpr::NOT => !st.pop()?,
            cexpr::AND | cexpr::OR => {
                let (b, a) = (st.pop()?, st.pop()?);
                if e.kind == cexpr::AND {
                    a && b
                } else {
                    a || b
                }
            }
            cexpr::ATTR => {
                let (a, b) = match e.attr {
                    cexpr::USER => (s.user, t.user),
                    cexpr::ROLE => (s.role, t.role),
                    cexpr::TYPE => (s.ty, t.ty),
                    _ => return None,
                };
                match e.op {
                    cexpr::EQ => a == b,
                    cexpr::NEQ => a != b,
                    _ => return None,
                }
            }
            cexpr::NAMES => {
                let who = if e.attr & cexpr::TARGET != 0 { t } else { s };
                let v = match e.attr & cexpr::SUBJECT_MASK {
                    cexpr::USER => who.user,
                    cexpr::ROLE => who.role,
                    cexpr::TYPE => who.ty,
                    _ => return None,
                };
                if e.attr & cexpr::XTARGET != 0 {
                    return None;
                }
                let member = v > 0 && e.names.get(v - 1);
                match e.op {
                    cexpr::EQ => member,
                    cexpr::NEQ => !member,
                    _ => return None,
                }
            }
            _ => return None,
        };
        st.push(v);
    }
    st.pop()
}

/// The first constraint of `class` that forbids permission `bit` between two contexts:
/// its index among the class's constraints and its text.
pub(crate) fn constraint_forbidding(
    db: &PolicyDb,
    class: u32,
    bit: u32,
    s: Ctx,
    t: Ctx,
) -> Option<(usize, String)> {
    let constraints = db
        .classes
        .get(class as usize - 1)
        .map_or(&[][..], |c| &c.constraints[..]);
    constraints
        .iter()
        .enumerate()
        .find(|(_, c)| c.perms & bit != 0 && eval_constraint(&c.expr, s, t) == Some(false))
        .map(|(index, c)| (index, constraint_expr_text(db, &c.expr)))
}

fn explain_one(db: &PolicyDb, denial: Denial, tree: &[TreeFile], states: &[bool]) -> Explanation {
    let mut unknown = Vec::new();
    let s = resolve_context(db, &denial.scontext, &mut unknown);
    let t = resolve_context(db, &denial.tcontext, &mut unknown);
    let class = class_perms(db, &denial.tclass);
    if class.is_none() {
        unknown.push(Unknown::Class(denial.tclass.clone()));
    }
    let mut ex = Explanation {
        denial,
        unknown,
        verdicts: Vec::new(),
        hints: Vec::new(),
    };
    let (Some(s), Some(t), Some((class, perms))) = (s, t, class) else {
        return ex;
    };
    let Access {
        always: allowed_always,
        now: allowed,
        active,
        inactive,
    } = access(db, s.ty, t.ty, class, states);
    for p in &ex.denial.perms {
        let Some(bit) = perms.iter().position(|n| n == p).filter(|&b| b < 32) else {
            ex.verdicts.push((p.clone(), Verdict::UnknownPerm));
            continue;
        };
        let bit = 1u32 << bit;
        let conditional = || match active.iter().find(|x| x.2 & bit != 0) {
            Some(&(i, branch, _)) if allowed_always & bit == 0 => {
                let node = &db.cond_list[i];
                let mut bools = flips(db, &node.expr, states, !branch);
                for b in &mut bools {
                    b.1 = !b.1;
                }
                Verdict::AllowedWhile {
                    condition: cond_expr_text(db, &node.expr),
                    branch,
                    bools,
                }
            }
            _ => Verdict::Allowed,
        };
        let verdict = if allowed & bit != 0 {
            constraint_forbidding(db, class, bit, s, t).map_or_else(conditional, |(index, expr)| {
                Verdict::Constrained { index, expr }
            })
        } else if let Some(&(i, branch, _)) = inactive.iter().find(|x| x.2 & bit != 0) {
            let node = &db.cond_list[i];
            Verdict::NeedsBool {
                condition: cond_expr_text(db, &node.expr),
                branch,
                flips: flips(db, &node.expr, states, branch),
            }
        } else {
            Verdict::NoRule
        };
        ex.verdicts.push((p.clone(), verdict));
    }
    ex.hints = tree::hints(db, &ex, (s.ty, t.ty), tree);
    ex
}

/// The booleans whose flip alone makes the expression take the value `want`.
fn flips(db: &PolicyDb, expr: &[CondExprItem], states: &[bool], want: bool) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for (i, b) in db.bools.iter().enumerate() {
        let mut st = states.to_vec();
        st[i] = !st[i];
        if expr
            .iter()
            .any(|e| e.kind == CondOp::Bool && e.bool_value as usize == i + 1)
            && eval_cond(expr, &st) == Some(want)
        {
            out.push((b.name.clone(), st[i]));
        }
    }
    out
}

/// The Xen command that sets a boolean (`tools/flask/utils`).
pub fn set_bool_command(name: &str, value: bool) -> String {
    format!("flask-set-bool {name} {}", u8::from(value))
}

/// A boolean state that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoolError {
    /// The policy has no boolean of this name.
    Unknown(String),
    /// Not `NAME=VALUE` or `NAME: VALUE`, or the value is not 0, 1, true or false.
    Malformed(String),
}

impl std::fmt::Display for BoolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BoolError::Unknown(n) => write!(f, "no boolean `{n}` in the policy"),
            BoolError::Malformed(l) => write!(
                f,
                "cannot read `{l}` as a boolean state (NAME=0|1, or `flask-get-bool -a` output)"
            ),
        }
    }
}

/// The boolean states Xen runs with: the policy's defaults, then the lines of
/// `flask-get-bool -a` output (`NAME: 0|1`, or `NAME: C (pending P)`, whose current value
/// C is the one in force), then `NAME=VALUE` overrides, in that order.
///
/// # Errors
/// The first line or override that is malformed or names no boolean of the policy.
pub fn bool_states(
    db: &PolicyDb,
    get_bool_output: &str,
    overrides: &[String],
) -> Result<Vec<bool>, BoolError> {
    let mut states = default_states(db);
    let lines = get_bool_output
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| (l, l.split_once(':')));
    let sets = overrides.iter().map(|o| (o.as_str(), o.split_once('=')));
    for (text, pair) in lines.chain(sets) {
        let malformed = || BoolError::Malformed(text.to_string());
        let (name, value) = pair.ok_or_else(malformed)?;
        let value = value.split_whitespace().next().unwrap_or("");
        let value = match value {
            "1" | "true" | "on" => true,
            "0" | "false" | "off" => false,
            _ => return Err(malformed()),
        };
        let name = name.trim();
        let i = db
            .bools
            .iter()
            .position(|b| b.name == name)
            .ok_or_else(|| BoolError::Unknown(name.to_string()))?;
        states[i] = value;
    }
    Ok(states)
}

/// Whether the policy allows every permission of the explanation now (with the booleans'
/// default states).
pub fn all_allowed(ex: &Explanation) -> bool {
    ex.unknown.is_empty()
        && ex
            .verdicts
            .iter()
            .all(|(_, v)| matches!(v, Verdict::Allowed | Verdict::AllowedWhile { .. }))
}

/// The report as text, one block per denial.
pub fn render(report: &Report) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    for ex in &report.explanations {
        let d = &ex.denial;
        let _ = writeln!(
            o,
            "denied {{ {} }} {} -> {} : {} (line{} {})",
            d.perms.join(" "),
            d.scontext,
            d.tcontext,
            d.tclass,
            if d.lines.len() == 1 { "" } else { "s" },
            line_list(d)
        );
        for u in &ex.unknown {
            let _ = writeln!(o, "  policy and hypervisor disagree: {}", unknown_text(u));
        }
        for (p, v) in &ex.verdicts {
            let _ = writeln!(o, "  {p}: {}", verdict_text(v));
        }
        for h in &ex.hints {
            let _ = writeln!(
                o,
                "    {}:{}: {}: {}",
                h.file,
                h.line,
                h.kind.label(),
                h.text
            );
        }
    }
    if report.granted > 0 {
        let _ = writeln!(
            o,
            "({} granted line(s) from auditallow rules left out)",
            report.granted
        );
    }
    if report.left_out > 0 {
        let _ = writeln!(
            o,
            "({} denied line(s) left out: they name further triples after the first {MAX_DENIALS} distinct denials)",
            report.left_out
        );
    }
    o
}

/// The lines of a denial, `1, 5, 9`, with `and N more` past [`MAX_DENIAL_LINES`].
pub(crate) fn line_list(d: &Denial) -> String {
    let mut s = d
        .lines
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let more = d.count.saturating_sub(d.lines.len() as u64);
    if more > 0 {
        s.push_str(&format!(" and {more} more"));
    }
    s
}

/// One unknown name as a sentence.
pub fn unknown_text(u: &Unknown) -> String {
    match u {
        Unknown::Sid(n) => format!("the hypervisor has no context for SID {n}"),
        Unknown::Context(c) => format!("`{c}` is not a context"),
        Unknown::User(n) => format!("no user `{n}` in the policy"),
        Unknown::Role(n) => format!("no role `{n}` in the policy"),
        Unknown::Type(n) => format!("no type `{n}` in the policy"),
        Unknown::Class(n) => format!("no class `{n}` in the policy"),
    }
}

/// One verdict as a sentence.
pub fn verdict_text(v: &Verdict) -> String {
    match v {
        Verdict::UnknownPerm => {
            "the class has no such permission in the policy (policy and hypervisor disagree)".into()
        }
        Verdict::Allowed => "allowed by the policy now".into(),
        Verdict::AllowedWhile {
            condition,
            branch,
            bools,
        } => {
            let mut s = format!(
                "allowed by the policy now, but only while `{condition}` is {branch}: a boolean had the other value when it was denied"
            );
            for (b, val) in bools {
                s.push_str(&format!("; run `{}`", set_bool_command(b, *val)));
            }
            s
        }
        Verdict::NeedsBool {
            condition,
            branch,
            flips,
        } => {
            let mut s = format!(
                "allowed only while `{condition}` is {branch} (not with the boolean states in force)"
            );
            for (b, val) in flips {
                s.push_str(&format!("; run `{}`", set_bool_command(b, *val)));
            }
            s
        }
        Verdict::Constrained { index, expr } => {
            format!(
                "allowed by the rules but forbidden by constraint #{index} of the class (binary order): {expr}"
            )
        }
        Verdict::NoRule => "no rule allows it".into(),
    }
}

/// The report as JSON.
pub fn to_json(report: &Report) -> serde_json::Value {
    use serde_json::json;
    let exs: Vec<_> = report
        .explanations
        .iter()
        .map(|ex| {
            let d = &ex.denial;
            json!({
                "scontext": d.scontext.to_string(),
                "tcontext": d.tcontext.to_string(),
                "tclass": d.tclass,
                "perms": d.perms,
                "lines": d.lines,
                "count": d.count,
                "unknown": ex.unknown.iter().map(unknown_text).collect::<Vec<_>>(),
                "verdicts": ex.verdicts.iter().map(|(p, v)| json!({
                    "perm": p,
                    "verdict": verdict_kind(v),
                    "message": verdict_text(v),
                })).collect::<Vec<_>>(),
                "hints": ex.hints.iter().map(|h| json!({
                    "file": h.file, "line": h.line, "kind": h.kind.label(), "text": h.text,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "denials": exs, "granted": report.granted, "left_out": report.left_out })
}

/// A stable code for each verdict.
fn verdict_kind(v: &Verdict) -> &'static str {
    match v {
        Verdict::UnknownPerm => "unknown-permission",
        Verdict::Allowed => "allowed",
        Verdict::AllowedWhile { .. } => "allowed-while-boolean",
        Verdict::NeedsBool { .. } => "needs-boolean",
        Verdict::Constrained { .. } => "constraint",
        Verdict::NoRule => "no-rule",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policydb::cexpr;

    fn node(kind: u32, attr: u32, op: u32, names: &[u32]) -> CExprNode {
        CExprNode {
            kind,
            attr,
            op,
            names: names.iter().map(|v| v - 1).collect(),
            type_set: Default::default(),
        }
    }

    #[test]
    fn constraints_are_evaluated_on_users_roles_and_types() {
        let ctx = |user, role, ty| Ctx { user, role, ty };
        // (u1 == u2 or r1 == { 2 })
        let expr = [
            node(cexpr::ATTR, 1, 1, &[]),
            node(cexpr::NAMES, 2, 1, &[2]),
            node(cexpr::OR, 0, 0, &[]),
        ];
        assert_eq!(
            eval_constraint(&expr, ctx(1, 3, 5), ctx(1, 3, 6)),
            Some(true)
        );
        assert_eq!(
            eval_constraint(&expr, ctx(1, 3, 5), ctx(2, 3, 6)),
            Some(false)
        );
        assert_eq!(
            eval_constraint(&expr, ctx(1, 2, 5), ctx(2, 3, 6)),
            Some(true)
        );
        // MLS comparisons are not evaluated.
        assert_eq!(
            eval_constraint(&[node(cexpr::ATTR, 32, 3, &[])], ctx(1, 1, 1), ctx(1, 1, 1)),
            None
        );
        assert_eq!(
            eval_constraint(&[node(cexpr::AND, 0, 0, &[])], ctx(1, 1, 1), ctx(1, 1, 1)),
            None
        );
    }

    #[test]
    fn conditions_are_evaluated_and_flipped() {
        let b = |v| CondExprItem {
            kind: CondOp::Bool,
            bool_value: v,
        };
        let op = |kind| CondExprItem {
            kind,
            bool_value: 0,
        };
        // !b1 && b2
        let expr = [b(1), op(CondOp::Not), b(2), op(CondOp::And)];
        assert_eq!(eval_cond(&expr, &[false, true]), Some(true));
        assert_eq!(eval_cond(&expr, &[true, true]), Some(false));
        assert_eq!(eval_cond(&expr, &[true]), None);
        assert_eq!(eval_cond(&[op(CondOp::And)], &[]), None);
    }
}
