//! Permission maps: for each class and permission, the direction information takes
//! between a rule's source (the subject) and target (the object), and a weight 1-10.
//!
//! The text format is setools' `perm_map` (a class count, then `class NAME N` and N lines
//! of `PERMISSION DIRECTION WEIGHT`, `#` comments), so one map serves `flaskc flows` and
//! `seinfoflow -m`. flaskc ships [`XEN_MAP`] for Xen policies (`policy/xen.perm_map`);
//! for SELinux it reads the map setools installs.

use std::collections::HashMap;
use std::fmt;

/// The Xen permission map shipped with the bundled policy, the default for Xen policies.
pub const XEN_MAP: &str = include_str!("../../policy/xen.perm_map");

/// Where setools installs its SELinux map (read with `--map`; not part of flaskc).
pub const SETOOLS_MAP: &str = "/usr/lib/python3/dist-packages/setools/perm_map";

/// The direction of information flow a permission gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The subject reads the object (`r`).
    Read,
    /// The subject writes the object (`w`).
    Write,
    /// Both (`b`).
    Both,
    /// Neither (`n`).
    None,
    /// Not mapped (`u`, or missing from the map): no flow, as setools counts it.
    Unmapped,
}

/// One permission's mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapping {
    /// Its direction.
    pub direction: Direction,
    /// Its weight, 1-10.
    pub weight: u8,
}

/// A parsed permission map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PermMap {
    classes: HashMap<String, HashMap<String, Mapping>>,
}

/// Why a permission map cannot be read, with its line (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermMapError {
    /// The line.
    pub line: usize,
    /// What is wrong there.
    pub kind: PermMapErrorKind,
}

/// What is wrong in a permission map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PermMapErrorKind {
    /// The class count is not a positive number.
    BadClassCount(String),
    /// A line that should be `class NAME N` is not.
    BadClass(String),
    /// A permission line does not have a name, a direction and a weight.
    BadPermission(String),
    /// A direction other than r, w, b, n or u.
    BadDirection(String),
    /// A weight outside 1-10.
    BadWeight(String),
    /// More classes than the count said.
    ExtraClass(String),
}

impl fmt::Display for PermMapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = self.line;
        match &self.kind {
            PermMapErrorKind::BadClassCount(t) => {
                write!(f, "line {line}: invalid number of classes `{t}`")
            }
            PermMapErrorKind::BadClass(t) => {
                write!(f, "line {line}: expected `class NAME COUNT`, found `{t}`")
            }
            PermMapErrorKind::BadPermission(t) => write!(
                f,
                "line {line}: expected `PERMISSION DIRECTION WEIGHT`, found `{t}`"
            ),
            PermMapErrorKind::BadDirection(t) => {
                write!(f, "line {line}: invalid direction `{t}` (r, w, b, n or u)")
            }
            PermMapErrorKind::BadWeight(t) => {
                write!(f, "line {line}: invalid weight `{t}` (1-10)")
            }
            PermMapErrorKind::ExtraClass(t) => {
                write!(f, "line {line}: class `{t}` is beyond the class count")
            }
        }
    }
}

impl std::error::Error for PermMapError {}

/// Where the reader is in the file.
enum State {
    Count,
    Class,
    Perms { class: String, left: usize },
}

/// Reads a permission map, checking what setools checks.
///
/// # Errors
/// A [`PermMapError`] at the first malformed line.
pub fn parse(text: &str) -> Result<PermMap, PermMapError> {
    let mut map = PermMap::default();
    let mut state = State::Count;
    let mut classes_left = 0usize;
    for (i, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.first().is_none_or(|f| f.starts_with('#')) {
            continue;
        }
        let err = |kind| PermMapError { line: i + 1, kind };
        state = match state {
            State::Count => {
                classes_left = fields[0]
                    .parse::<usize>()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| err(PermMapErrorKind::BadClassCount(fields[0].into())))?;
                State::Class
            }
            State::Class => {
                let left = match fields[..] {
                    ["class", _, n] => n.parse::<usize>().ok().filter(|&n| n > 0),
                    _ => None,
                }
                .ok_or_else(|| err(PermMapErrorKind::BadClass(line.trim().into())))?;
                let class = fields[1].to_owned();
                if classes_left == 0 {
                    return Err(err(PermMapErrorKind::ExtraClass(class)));
                }
                classes_left -= 1;
                map.classes.entry(class.clone()).or_default().clear();
                State::Perms { class, left }
            }
            State::Perms { class, left } => {
                let [perm, dir, weight, ..] = fields[..] else {
                    return Err(err(PermMapErrorKind::BadPermission(line.trim().into())));
                };
                let direction = match dir {
                    "r" => Direction::Read,
                    "w" => Direction::Write,
                    "b" => Direction::Both,
                    "n" => Direction::None,
                    "u" => Direction::Unmapped,
                    _ => return Err(err(PermMapErrorKind::BadDirection(dir.into()))),
                };
                let weight = weight
                    .parse::<u8>()
                    .ok()
                    .filter(|w| (1..=10).contains(w))
                    .ok_or_else(|| err(PermMapErrorKind::BadWeight(weight.into())))?;
                map.classes
                    .entry(class.clone())
                    .or_default()
                    .insert(perm.to_owned(), Mapping { direction, weight });
                if left > 1 {
                    State::Perms {
                        class,
                        left: left - 1,
                    }
                } else {
                    State::Class
                }
            }
        };
    }
    Ok(map)
}

/// The shipped Xen map, parsed.
pub fn xen() -> PermMap {
    parse(XEN_MAP).expect("policy/xen.perm_map is checked by the unit tests")
}

impl PermMap {
    /// The mapping of a permission; unmapped when the map lacks it.
    pub fn mapping(&self, class: &str, perm: &str) -> Mapping {
        self.classes
            .get(class)
            .and_then(|c| c.get(perm))
            .copied()
            .unwrap_or(Mapping {
                direction: Direction::Unmapped,
                weight: 1,
            })
    }

    /// The classes the map names.
    pub fn classes(&self) -> impl Iterator<Item = &str> {
        self.classes.keys().map(String::as_str)
    }

    /// The (read, write) weights of a set of permissions: the largest weight of each
    /// direction, 0 for none (setools' `rule_weight`).
    pub fn weights<'p>(&self, class: &str, perms: impl IntoIterator<Item = &'p str>) -> (u8, u8) {
        let (mut read, mut write) = (0, 0);
        for p in perms {
            let m = self.mapping(class, p);
            if matches!(m.direction, Direction::Read | Direction::Both) {
                read = read.max(m.weight);
            }
            if matches!(m.direction, Direction::Write | Direction::Both) {
                write = write.max(m.weight);
            }
        }
        (read, write)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_xen_map_reads_and_maps_memory_reads() {
        let m = xen();
        assert_eq!(m.classes().count(), 13);
        assert_eq!(m.weights("mmu", ["map_read"]), (10, 0));
        assert_eq!(m.weights("event", ["send", "status"]), (1, 5));
        assert_eq!(m.weights("domain", ["getdomaininfo"]), (2, 0));
        assert_eq!(m.weights("nosuch", ["x"]), (0, 0));
    }

    #[test]
    fn malformed_lines_are_reported_with_their_number() {
        let e = |t: &str| parse(t).unwrap_err();
        assert_eq!(e("0\n").kind, PermMapErrorKind::BadClassCount("0".into()));
        assert_eq!(e("1\nclas x 1\n").line, 2);
        let bad = "# c\n1\nclass x 1\n  p q 3\n";
        assert_eq!(e(bad).kind, PermMapErrorKind::BadDirection("q".into()));
        assert_eq!(e(bad).line, 4);
        let weight = "1\nclass x 1\n p r 11\n";
        assert_eq!(e(weight).kind, PermMapErrorKind::BadWeight("11".into()));
        let extra = "1\nclass x 1\n p r 1\nclass y 1\n";
        assert_eq!(e(extra).kind, PermMapErrorKind::ExtraClass("y".into()));
        assert_eq!(e("1\nclass x 1\n p\n").line, 3);
    }
}
