//! Places in a policy tree related to a verdict, found by reading the tree's text.
//!
//! A binary policy keeps no source positions and no `neverallow` rules, so these hints
//! come from the tree's files as written (before m4): a statement line that names the
//! subject type (or one of its attributes), the class and a denied permission. They are
//! leads for a person, not proofs; the wording in the output says "names", not "causes".

use super::{Explanation, Verdict};
use crate::policydb::PolicyDb;

/// One file of a policy tree: its path relative to the tree and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeFile {
    /// The path, relative to the tree (`modules/isolated_domU.te`).
    pub path: String,
    /// The file's text.
    pub text: String,
}

/// What a hinted line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HintKind {
    /// A `neverallow` naming the subject, the class and a permission that no rule grants.
    Neverallow,
    /// The declaration or a condition of a boolean the verdict depends on.
    Boolean,
    /// A constraint of the class.
    Constraint,
}

impl HintKind {
    /// A short label for output.
    pub fn label(self) -> &'static str {
        match self {
            HintKind::Neverallow => "neverallow naming it",
            HintKind::Boolean => "boolean",
            HintKind::Constraint => "constraint",
        }
    }
}

/// A line of the tree related to a verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    /// The file, relative to the tree.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// Why it is shown.
    pub kind: HintKind,
    /// The line, trimmed.
    pub text: String,
}

/// A type's name and its attributes' names.
fn names(db: &PolicyDb, ty: u32) -> Vec<&str> {
    db.type_attrs(ty)
        .iter()
        .filter_map(|b| db.types.get(b as usize).map(|t| t.name.as_str()))
        .collect()
}

/// Whether one side of a `neverallow` as written (`*`, `~X`, `{ a -b }`, `name`) may
/// cover a type with these names. Unexpanded macro names count as unknown, so a
/// complement of them matches.
fn side_matches(side: &str, names: &[&str]) -> bool {
    let side = side.trim();
    if side == "*" {
        return true;
    }
    let words = |s: &str| -> Vec<String> {
        s.replace(['{', '}'], " ")
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    if let Some(rest) = side.strip_prefix('~') {
        return !words(rest).iter().any(|w| names.contains(&w.as_str()));
    }
    let ws = words(side);
    let named = |neg: bool| {
        ws.iter()
            .filter(|w| w.starts_with('-') == neg)
            .any(|w| names.contains(&w.trim_start_matches('-')))
    };
    named(false) && !named(true)
}

/// Whether a `neverallow` line's source and target sides may cover the pair.
fn neverallow_covers(text: &str, subject: &[&str], object: &[&str]) -> bool {
    let Some(sides) = text
        .strip_prefix("neverallow")
        .and_then(|r| r.split_once(':'))
        .map(|(s, _)| s.trim())
    else {
        return false;
    };
    let split = if sides.starts_with('{') || sides.starts_with("~{") {
        sides.find('}').map(|i| i + 1)
    } else {
        sides.find(char::is_whitespace)
    };
    let Some(at) = split else { return false };
    side_matches(&sides[..at], subject) && side_matches(&sides[at..], object)
}

/// The hints for an explanation whose subject and object types have values `sty`, `tty`.
pub(super) fn hints(
    db: &PolicyDb,
    ex: &Explanation,
    (sty, tty): (u32, u32),
    tree: &[TreeFile],
) -> Vec<Hint> {
    let (subject, object) = (names(db, sty), names(db, tty));
    let class = ex.denial.tclass.as_str();
    let mut no_rule: Vec<&str> = Vec::new();
    let mut bools: Vec<&str> = Vec::new();
    let mut constrained = false;
    for (p, v) in &ex.verdicts {
        match v {
            Verdict::NoRule => no_rule.push(p),
            Verdict::NeedsBool { flips, .. } => bools.extend(flips.iter().map(|f| f.0.as_str())),
            Verdict::AllowedWhile { bools: b, .. } => bools.extend(b.iter().map(|f| f.0.as_str())),
            Verdict::Constrained { .. } => constrained = true,
            Verdict::Allowed | Verdict::UnknownPerm => {}
        }
    }
    let mut out = Vec::new();
    for f in tree {
        for (i, line) in f.text.lines().enumerate() {
            let text = line.trim();
            let words: Vec<&str> = text
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
                .collect();
            let has = |w: &str| words.contains(&w);
            let kind = match words.first().copied() {
                Some("neverallow")
                    if has(class)
                        && no_rule.iter().any(|p| has(p))
                        && neverallow_covers(text, &subject, &object) =>
                {
                    Some(HintKind::Neverallow)
                }
                Some("flask_bool" | "bool" | "if") if bools.iter().any(|b| has(b)) => {
                    Some(HintKind::Boolean)
                }
                Some("constrain" | "mlsconstrain")
                    if constrained && words.get(1) == Some(&class) =>
                {
                    Some(HintKind::Constraint)
                }
                _ => None,
            };
            if let Some(kind) = kind {
                out.push(Hint {
                    file: f.path.clone(),
                    line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    kind,
                    text: text.to_string(),
                });
            }
        }
    }
    out
}
