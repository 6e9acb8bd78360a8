//! A small regular-expression engine for GNU m4's `regexp` and `patsubst`.
//!
//! GNU m4 1.4.19 compiles patterns with GNU regex's Emacs syntax, which no crate offers:
//! `\(` `\)` group, `\|` alternates, `*` `+` `?` repeat (but are plain characters where
//! nothing precedes them), `\{` is a plain `{` (no intervals in this syntax), `[...]` sets
//! take `\` literally, `.` matches anything but newline, `^`/`$` anchor only at the ends of
//! the pattern or of a group or branch (and match at line breaks too), and there are the
//! GNU operators `\w \W \s \S \b \B \< \> \` \'` and back-references `\1`..`\9`.
//!
//! Matching is POSIX-style leftmost-longest: every path from a start position is explored
//! (each program state at most once per position, so the work stays linear in the text
//! length per start), and the longest match wins; among equally long matches, the one
//! a greedy left-to-right search finds first supplies the groups.

use std::collections::HashSet;

#[derive(Debug, Clone)]
enum Node {
    Empty,
    Byte(u8),
    Any,
    Set(Box<[bool; 256]>),
    Assert(Assert),
    Backref(usize),
    Group(usize, Box<Node>),
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat(Box<Node>, bool, bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Assert {
    LineStart,
    LineEnd,
    BufStart,
    BufEnd,
    WordBoundary,
    NotWordBoundary,
    WordStart,
    WordEnd,
}

#[derive(Debug, Clone)]
enum Inst {
    Byte(u8),
    Any,
    Set(Box<[bool; 256]>),
    Assert(Assert),
    Backref(usize),
    Save(usize),
    Split(usize, usize),
    Jmp(usize),
    Match,
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub(crate) struct Regex {
    prog: Vec<Inst>,
    groups: usize,
}

/// What a replacement did that GNU m4 warns about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Notes {
    /// `\0` was used (GNU m4 suggests `\&`).
    pub zero: bool,
    /// Group numbers referred to that the pattern does not have.
    pub missing: Vec<usize>,
    /// The replacement ended with a lone backslash.
    pub trailing_backslash: bool,
}

/// The spans of a match: slot 0 is the whole match, then one per group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Captures {
    slots: Vec<Option<(usize, usize)>>,
}

impl Captures {
    /// Where the whole match starts.
    pub fn start(&self) -> usize {
        self.slots[0].map_or(0, |s| s.0)
    }

    /// Where the whole match ends.
    pub fn end(&self) -> usize {
        self.slots[0].map_or(0, |s| s.1)
    }

    /// Group `i`'s span, if it took part in the match.
    pub fn get(&self, i: usize) -> Option<(usize, usize)> {
        self.slots.get(i).copied().flatten()
    }
}

struct Parser<'a> {
    p: &'a [u8],
    i: usize,
    groups: usize,
    open: Vec<usize>,
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// A test for membership in a `[:name:]` class.
type ClassTest = fn(u8) -> bool;

const CLASSES: &[(&str, ClassTest)] = &[
    ("alpha", |c| c.is_ascii_alphabetic()),
    ("upper", |c| c.is_ascii_uppercase()),
    ("lower", |c| c.is_ascii_lowercase()),
    ("digit", |c| c.is_ascii_digit()),
    ("xdigit", |c| c.is_ascii_hexdigit()),
    ("alnum", |c| c.is_ascii_alphanumeric()),
    ("space", |c| c.is_ascii_whitespace() || c == 0x0b),
    ("blank", |c| c == b' ' || c == b'\t'),
    ("punct", |c| c.is_ascii_punctuation()),
    ("print", |c| (0x20..0x7f).contains(&c)),
    ("graph", |c| c.is_ascii_graphic()),
    ("cntrl", |c| c.is_ascii_control()),
];

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.p.get(self.i).copied()
    }

    fn at_branch_end(&self) -> bool {
        match self.p.get(self.i..) {
            None | Some([]) => true,
            Some([b'\\', b')', ..]) => !self.open.is_empty(),
            Some([b'\\', b'|', ..]) => true,
            _ => false,
        }
    }

    fn alt(&mut self) -> Result<Node, String> {
        let mut branches = vec![self.concat()?];
        while self.p[self.i..].starts_with(b"\\|") {
            self.i += 2;
            branches.push(self.concat()?);
        }
        Ok(if branches.len() == 1 {
            branches.pop().unwrap_or(Node::Empty)
        } else {
            Node::Alt(branches)
        })
    }

    fn concat(&mut self) -> Result<Node, String> {
        let mut items: Vec<Node> = Vec::new();
        let branch_start = self.i;
        while let Some(c) = self.peek() {
            if self.p[self.i..].starts_with(b"\\|") {
                break;
            }
            if self.p[self.i..].starts_with(b"\\)") {
                if self.open.is_empty() {
                    return Err("Unmatched ) or \\)".into());
                }
                break;
            }
            let at_start = self.i == branch_start
                || (items.len() == 1 && matches!(items[0], Node::Assert(Assert::LineStart)));
            match c {
                b'*' | b'+' | b'?' if !at_start && !items.is_empty() => {
                    self.i += 1;
                    let last = items.pop().unwrap_or(Node::Empty);
                    let node = match c {
                        b'*' => Node::Repeat(Box::new(last), false, true),
                        b'+' => Node::Repeat(Box::new(last), true, true),
                        _ => Node::Repeat(Box::new(last), false, false),
                    };
                    items.push(node);
                }
                b'^' if self.i == branch_start => {
                    self.i += 1;
                    items.push(Node::Assert(Assert::LineStart));
                }
                b'$' => {
                    self.i += 1;
                    if self.at_branch_end() {
                        items.push(Node::Assert(Assert::LineEnd));
                    } else {
                        items.push(Node::Byte(b'$'));
                    }
                }
                b'.' => {
                    self.i += 1;
                    items.push(Node::Any);
                }
                b'[' => {
                    self.i += 1;
                    items.push(self.set()?);
                }
                b'\\' => {
                    self.i += 1;
                    items.push(self.escape()?);
                }
                _ => {
                    self.i += 1;
                    items.push(Node::Byte(c));
                }
            }
        }
        Ok(match items.len() {
            0 => Node::Empty,
            1 => items.pop().unwrap_or(Node::Empty),
            _ => Node::Concat(items),
        })
    }

    fn escape(&mut self) -> Result<Node, String> {
        let Some(c) = self.peek() else {
            return Err("Trailing backslash".into());
        };
        self.i += 1;
        Ok(match c {
            b'(' => {
                self.groups += 1;
                let n = self.groups;
                self.open.push(n);
                let inner = self.alt()?;
                if !self.p[self.i..].starts_with(b"\\)") {
                    return Err("Unmatched ( or \\(".into());
                }
                self.i += 2;
                self.open.pop();
                Node::Group(n, Box::new(inner))
            }
            b'1'..=b'9' => {
                let n = usize::from(c - b'0');
                if n > self.groups || self.open.contains(&n) {
                    return Err("Invalid back reference".into());
                }
                Node::Backref(n)
            }
            b'w' | b'W' | b's' | b'S' => {
                let mut set = [false; 256];
                for (b, slot) in set.iter_mut().enumerate() {
                    let b = b as u8;
                    let hit = if c.eq_ignore_ascii_case(&b'w') {
                        is_word(b)
                    } else {
                        b.is_ascii_whitespace() || b == 0x0b
                    };
                    *slot = hit == c.is_ascii_lowercase();
                }
                Node::Set(Box::new(set))
            }
            b'b' => Node::Assert(Assert::WordBoundary),
            b'B' => Node::Assert(Assert::NotWordBoundary),
            b'<' => Node::Assert(Assert::WordStart),
            b'>' => Node::Assert(Assert::WordEnd),
            b'`' => Node::Assert(Assert::BufStart),
            b'\'' => Node::Assert(Assert::BufEnd),
            other => Node::Byte(other),
        })
    }

    fn set(&mut self) -> Result<Node, String> {
        let unclosed = || "Unmatched [, [^, [:, [., or [=".to_string();
        let mut set = [false; 256];
        let negate = self.peek() == Some(b'^');
        if negate {
            self.i += 1;
        }
        let mut first = true;
        loop {
            let c = self.peek().ok_or_else(unclosed)?;
            if c == b']' && !first {
                self.i += 1;
                break;
            }
            first = false;
            if c == b'[' && self.p.get(self.i + 1) == Some(&b':') {
                let rest = &self.p[self.i + 2..];
                if let Some(end) = rest.windows(2).position(|w| w == b":]") {
                    let name = &rest[..end];
                    let Some((_, f)) = CLASSES.iter().find(|(n, _)| n.as_bytes() == name) else {
                        return Err("Invalid character class name".into());
                    };
                    for (b, slot) in set.iter_mut().enumerate() {
                        *slot |= f(b as u8);
                    }
                    self.i += 2 + end + 2;
                    continue;
                }
            }
            self.i += 1;
            if self.peek() == Some(b'-') && self.p.get(self.i + 1).is_some_and(|&e| e != b']') {
                let hi = self.p[self.i + 1];
                if hi < c {
                    return Err("Invalid range end".into());
                }
                for b in c..=hi {
                    set[b as usize] = true;
                }
                self.i += 2;
            } else {
                set[c as usize] = true;
            }
        }
        if negate {
            for s in set.iter_mut() {
                *s = !*s;
            }
        }
        Ok(Node::Set(Box::new(set)))
    }
}

fn emit(node: &Node, prog: &mut Vec<Inst>) {
    match node {
        Node::Empty => {}
        Node::Byte(b) => prog.push(Inst::Byte(*b)),
        Node::Any => prog.push(Inst::Any),
        Node::Set(s) => prog.push(Inst::Set(s.clone())),
        Node::Assert(a) => prog.push(Inst::Assert(*a)),
        Node::Backref(n) => prog.push(Inst::Backref(*n)),
        Node::Group(n, inner) => {
            prog.push(Inst::Save(2 * n));
            emit(inner, prog);
            prog.push(Inst::Save(2 * n + 1));
        }
        Node::Concat(items) => items.iter().for_each(|n| emit(n, prog)),
        Node::Alt(branches) => {
            let mut jumps = Vec::new();
            for (k, b) in branches.iter().enumerate() {
                if k + 1 < branches.len() {
                    let split = prog.len();
                    prog.push(Inst::Split(split + 1, 0));
                    emit(b, prog);
                    jumps.push(prog.len());
                    prog.push(Inst::Jmp(0));
                    let next = prog.len();
                    prog[split] = Inst::Split(split + 1, next);
                } else {
                    emit(b, prog);
                }
            }
            let end = prog.len();
            for j in jumps {
                prog[j] = Inst::Jmp(end);
            }
        }
        Node::Repeat(inner, at_least_one, many) => {
            let start = prog.len();
            if *at_least_one {
                emit(inner, prog);
                let split = prog.len();
                prog.push(Inst::Split(start, split + 1));
            } else {
                prog.push(Inst::Split(start + 1, 0));
                emit(inner, prog);
                if *many {
                    prog.push(Inst::Jmp(start));
                }
                let end = prog.len();
                prog[start] = Inst::Split(start + 1, end);
            }
        }
    }
}

enum Step {
    Explore(usize, usize),
    Restore(usize, Option<usize>),
}

impl Regex {
    /// Compiles a pattern.
    ///
    /// # Errors
    /// GNU regex's message for a malformed pattern, e.g. `Unmatched ( or \(`.
    pub fn new(pattern: &[u8]) -> Result<Regex, String> {
        let mut p = Parser {
            p: pattern,
            i: 0,
            groups: 0,
            open: Vec::new(),
        };
        let node = p.alt()?;
        if p.i < pattern.len() {
            return Err("Unmatched ) or \\)".into());
        }
        let mut prog = vec![Inst::Save(0)];
        emit(&node, &mut prog);
        prog.push(Inst::Save(1));
        prog.push(Inst::Match);
        Ok(Regex {
            prog,
            groups: p.groups,
        })
    }

    fn assert(a: Assert, s: &[u8], pos: usize) -> bool {
        let before = pos.checked_sub(1).and_then(|i| s.get(i)).copied();
        let after = s.get(pos).copied();
        let wb = before.is_some_and(is_word);
        let wa = after.is_some_and(is_word);
        match a {
            Assert::LineStart => pos == 0 || before == Some(b'\n'),
            Assert::LineEnd => pos == s.len() || after == Some(b'\n'),
            Assert::BufStart => pos == 0,
            Assert::BufEnd => pos == s.len(),
            Assert::WordBoundary => wb != wa,
            Assert::NotWordBoundary => wb == wa,
            Assert::WordStart => !wb && wa,
            Assert::WordEnd => wb && !wa,
        }
    }

    /// The longest match starting exactly at `start`.
    fn match_at(&self, s: &[u8], start: usize) -> Option<Captures> {
        let nslots = 2 * (self.groups + 1);
        let mut caps: Vec<Option<usize>> = vec![None; nslots];
        let mut best: Option<(usize, Vec<Option<usize>>)> = None;
        let mut seen: HashSet<(usize, usize)> = HashSet::new();
        let mut stack = vec![Step::Explore(0, start)];
        while let Some(step) = stack.pop() {
            let (mut pc, mut pos) = match step {
                Step::Restore(slot, v) => {
                    caps[slot] = v;
                    continue;
                }
                Step::Explore(pc, pos) => (pc, pos),
            };
            loop {
                if !seen.insert((pc, pos)) {
                    break;
                }
                match &self.prog[pc] {
                    Inst::Byte(b) => {
                        if s.get(pos) != Some(b) {
                            break;
                        }
                        pos += 1;
                        pc += 1;
                    }
                    Inst::Any => {
                        if s.get(pos).is_none_or(|&c| c == b'\n') {
                            break;
                        }
                        pos += 1;
                        pc += 1;
                    }
                    Inst::Set(set) => {
                        if !s.get(pos).is_some_and(|&c| set[c as usize]) {
                            break;
                        }
                        pos += 1;
                        pc += 1;
                    }
                    Inst::Assert(a) => {
                        if !Self::assert(*a, s, pos) {
                            break;
                        }
                        pc += 1;
                    }
                    Inst::Backref(n) => {
                        let (Some(a), Some(b)) = (caps[2 * n], caps[2 * n + 1]) else {
                            break;
                        };
                        let len = b.saturating_sub(a);
                        if s.get(pos..pos + len) != s.get(a..b) {
                            break;
                        }
                        pos += len;
                        pc += 1;
                    }
                    Inst::Save(slot) => {
                        stack.push(Step::Restore(*slot, caps[*slot]));
                        caps[*slot] = Some(pos);
                        pc += 1;
                    }
                    Inst::Split(a, b) => {
                        stack.push(Step::Explore(*b, pos));
                        pc = *a;
                    }
                    Inst::Jmp(a) => pc = *a,
                    Inst::Match => {
                        if best.as_ref().is_none_or(|(end, _)| pos > *end) {
                            best = Some((pos, caps.clone()));
                        }
                        break;
                    }
                }
            }
            if best.as_ref().is_some_and(|(end, _)| *end == s.len()) {
                break;
            }
        }
        best.map(|(_, caps)| Captures {
            slots: caps
                .chunks(2)
                .map(|p| match (p[0], p[1]) {
                    (Some(a), Some(b)) if a <= b => Some((a, b)),
                    _ => None,
                })
                .collect(),
        })
    }

    /// The leftmost(-longest) match starting at or after `from`.
    pub fn search(&self, s: &[u8], from: usize) -> Option<Captures> {
        (from..=s.len()).find_map(|start| self.match_at(s, start))
    }

    /// Expands a replacement: `\&` and `\0` the match, `\1`..`\9` groups, `\\` a backslash.
    /// What GNU m4 would warn about is added to `notes`.
    pub fn replace(&self, s: &[u8], caps: &Captures, repl: &[u8], notes: &mut Notes) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < repl.len() {
            let c = repl[i];
            i += 1;
            if c != b'\\' {
                out.push(c);
                continue;
            }
            let Some(&n) = repl.get(i) else {
                notes.trailing_backslash = true;
                break;
            };
            i += 1;
            match n {
                b'&' | b'0'..=b'9' => {
                    let g = if n == b'&' { 0 } else { usize::from(n - b'0') };
                    notes.zero |= n == b'0';
                    if g > self.groups {
                        notes.missing.push(g);
                    } else if let Some((a, b)) = caps.get(g) {
                        out.extend_from_slice(&s[a..b]);
                    }
                }
                other => out.push(other),
            }
        }
        out
    }

    /// `patsubst`: replaces every match; after an empty match one byte is copied so the
    /// scan moves on, as GNU m4 does.
    pub fn substitute_all(&self, s: &[u8], repl: &[u8], notes: &mut Notes) -> Vec<u8> {
        let mut out = Vec::new();
        let mut offset = 0;
        while offset <= s.len() {
            let Some(m) = self.search(s, offset) else {
                out.extend_from_slice(&s[offset..]);
                break;
            };
            out.extend_from_slice(&s[offset..m.start()]);
            out.extend(self.replace(s, &m, repl, notes));
            offset = m.end();
            if m.start() == m.end() {
                if let Some(&c) = s.get(offset) {
                    out.push(c);
                }
                offset += 1;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(s: &str, re: &str, r: &str) -> String {
        let re = Regex::new(re.as_bytes()).unwrap();
        let mut notes = Notes::default();
        String::from_utf8(re.substitute_all(s.as_bytes(), r.as_bytes(), &mut notes)).unwrap()
    }

    fn find(s: &str, re: &str) -> Option<usize> {
        Regex::new(re.as_bytes())
            .unwrap()
            .search(s.as_bytes(), 0)
            .map(|c| c.start())
    }

    #[test]
    fn emacs_syntax_operators() {
        assert_eq!(sub("abc", "", "-"), "-a-b-c-");
        assert_eq!(sub("hello world", "\\w+", "<\\&>"), "<hello> <world>");
        assert_eq!(sub("hello world", "\\<", "|"), "|hello |world");
        assert_eq!(sub("ab", "\\(a\\)\\(b\\)", "\\2\\1\\\\"), "ba\\");
        assert_eq!(sub("a{2}", "a\\{2\\}", "x"), "x");
        assert_eq!(sub("*a", "*a", "x"), "x");
    }

    #[test]
    fn longest_alternative_wins() {
        let re = Regex::new(b"a\\|ab").unwrap();
        let m = re.search(b"ab", 0).unwrap();
        assert_eq!((m.start(), m.end()), (0, 2));
    }

    #[test]
    fn anchors_and_sets() {
        assert_eq!(find("xab", "^ab"), None);
        assert_eq!(find("x\nab", "^ab"), Some(2));
        assert_eq!(find("a$b", "a$b"), Some(0));
        assert_eq!(find("x]", "[]]"), Some(1));
        assert_eq!(find("x5", "[[:digit:]]"), Some(1));
        assert_eq!(find("abab", "\\(ab\\)\\1"), Some(0));
    }

    #[test]
    fn malformed_patterns_are_errors() {
        assert!(Regex::new(b"\\(a").is_err());
        assert!(Regex::new(b"a\\)").is_err());
        assert!(Regex::new(b"[a").is_err());
        assert!(Regex::new(b"a\\").is_err());
    }
}
