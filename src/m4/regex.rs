//! A small regular-expression engine for GNU m4's `regexp` and `patsubst`.
//!
//! GNU m4 1.4.19 compiles patterns with GNU regex's Emacs syntax, which no crate offers:
//! `\(` `\)` group, `\|` alternates, `*` `+` `?` repeat (but are plain characters where
//! nothing precedes them or an anchor does), `\{` is a plain `{` (no intervals in this
//! syntax), `[...]` sets take `\` literally and know no `[:class:]` (a reversed range is
//! empty), `.` matches anything but newline, `^`/`$` anchor only at the ends of the
//! pattern or of a group or branch (and match at line breaks too), and there are the GNU
//! operators `\w \W \s \S \b \B \< \> \` \'` and back-references `\1`..`\9`.
//!
//! Matching is POSIX-style leftmost-longest: every path from a start position is explored
//! (each program state at most once per position), and the longest match wins; among
//! equally long matches, the one a greedy left-to-right search finds first supplies the
//! groups. Without back-references, whether a state can reach the end of the pattern does
//! not depend on the groups, so the states a failed start visited are not tried again
//! from later starts: a search is linear in the text length. With back-references it can
//! be far worse, and [`limits::REGEX_STEPS`] bounds every call.
//!
//! Nothing recurses on the native stack: the parser keeps open groups on a stack, the
//! syntax tree is a vector whose nodes come after their children, and the program is laid
//! out from node sizes in two passes over that vector.

use std::collections::HashSet;

use super::expand::FastHash;
use super::limits;

/// A node of the syntax tree; children are indices of earlier nodes.
#[derive(Debug, Clone)]
enum Node {
    Empty,
    Byte(u8),
    Any,
    Set(Box<[bool; 256]>),
    Assert(Assert),
    Backref(usize),
    Group(usize, usize),
    Concat(Vec<usize>),
    Alt(Vec<usize>),
    /// The node, whether it must match once (`+`), whether it may match more than once.
    Repeat(usize, bool, bool),
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
    backrefs: bool,
}

/// A match took more than [`limits::REGEX_STEPS`] steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooComplex;

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
    nodes: Vec<Node>,
}

/// A group being parsed (group 0 is the whole pattern).
struct Open {
    group: usize,
    branches: Vec<usize>,
    items: Vec<usize>,
    branch_start: usize,
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.p.get(self.i).copied()
    }

    fn add(&mut self, node: Node) -> usize {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// Whether a `$` just read ends a branch (and so is an anchor).
    fn at_branch_end(&self, in_group: bool) -> bool {
        match self.p.get(self.i..) {
            None | Some([]) => true,
            Some([b'\\', b')', ..]) => in_group,
            Some([b'\\', b'|', ..]) => true,
            _ => false,
        }
    }

    /// Parses the whole pattern; the root node.
    fn parse(&mut self) -> Result<usize, String> {
        let mut open = vec![Open {
            group: 0,
            branches: Vec::new(),
            items: Vec::new(),
            branch_start: 0,
        }];
        loop {
            let rest = &self.p[self.i..];
            let ends_branch =
                rest.is_empty() || rest.starts_with(b"\\|") || rest.starts_with(b"\\)");
            if ends_branch {
                if rest.starts_with(b"\\)") && open.len() == 1 {
                    return Err("Unmatched ) or \\)".into());
                }
                if rest.is_empty() && open.len() > 1 {
                    return Err("Unmatched ( or \\(".into());
                }
                let mut ctx = open.pop().expect("the whole pattern stays open");
                let items = std::mem::take(&mut ctx.items);
                let branch = match items.len() {
                    0 => self.add(Node::Empty),
                    1 => items[0],
                    _ => self.add(Node::Concat(items)),
                };
                ctx.branches.push(branch);
                if !rest.is_empty() {
                    self.i += 2;
                }
                if rest.starts_with(b"\\|") {
                    ctx.branch_start = self.i;
                    open.push(ctx);
                    continue;
                }
                let alt = match ctx.branches.len() {
                    1 => ctx.branches[0],
                    _ => self.add(Node::Alt(ctx.branches)),
                };
                let Some(parent) = open.last_mut() else {
                    return Ok(alt);
                };
                let group = self.add(Node::Group(ctx.group, alt));
                parent.items.push(group);
                continue;
            }
            if rest.starts_with(b"\\(") {
                self.i += 2;
                self.groups += 1;
                open.push(Open {
                    group: self.groups,
                    branches: Vec::new(),
                    items: Vec::new(),
                    branch_start: self.i,
                });
                continue;
            }
            let ctx = open.last().expect("the whole pattern stays open");
            // GNU regex takes `*` `+` `?` literally after an anchor, as at a branch start.
            let after_anchor = ctx
                .items
                .last()
                .is_some_and(|&n| matches!(self.nodes[n], Node::Assert(_)));
            let at_start = self.i == ctx.branch_start || after_anchor;
            let c = rest[0];
            self.i += 1;
            let node = match c {
                b'*' | b'+' | b'?' if !at_start && !ctx.items.is_empty() => {
                    let (once, many) = (c == b'+', c != b'?');
                    let last = *ctx.items.last().expect("not empty");
                    // `a**`, `a+?`...: a repeat of a repeat is one repeat, as it matches
                    // the same, and a long run of `*` makes no deep program.
                    if let Node::Repeat(_, o, m) = &mut self.nodes[last] {
                        (*o, *m) = (*o && once, *m || many);
                        continue;
                    }
                    open.last_mut().expect("open").items.pop();
                    Node::Repeat(last, once, many)
                }
                b'^' if self.i - 1 == ctx.branch_start => Node::Assert(Assert::LineStart),
                b'$' if self.at_branch_end(open.len() > 1) => Node::Assert(Assert::LineEnd),
                b'.' => Node::Any,
                b'[' => self.set()?,
                b'\\' => self.escape(&open)?,
                _ => Node::Byte(c),
            };
            let node = self.add(node);
            open.last_mut().expect("open").items.push(node);
        }
    }

    /// An escape other than `\\(`, `\\)` and `\\|`, after its backslash.
    fn escape(&mut self, open: &[Open]) -> Result<Node, String> {
        let Some(c) = self.peek() else {
            return Err("Trailing backslash".into());
        };
        self.i += 1;
        Ok(match c {
            b'1'..=b'9' => {
                let n = usize::from(c - b'0');
                if n > self.groups || open.iter().any(|o| o.group == n) {
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
            self.i += 1;
            if self.peek() == Some(b'-') && self.p.get(self.i + 1).is_some_and(|&e| e != b']') {
                // A reversed range is empty.
                let hi = self.p[self.i + 1];
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

/// Lays the tree out as a program between `Save(0)` and `Save(1) Match`. Children come
/// before their parents in `nodes`, so one forward pass finds every node's size and one
/// backward pass places each node (its parent placed it already) and writes its own
/// instructions.
fn compile(mut nodes: Vec<Node>, root: usize) -> Vec<Inst> {
    let mut size = vec![0usize; nodes.len()];
    for i in 0..nodes.len() {
        size[i] = match &nodes[i] {
            Node::Empty => 0,
            Node::Group(_, c) => size[*c] + 2,
            Node::Concat(items) => items.iter().map(|&c| size[c]).sum(),
            Node::Alt(bs) => bs.iter().map(|&b| size[b] + 2).sum::<usize>() - 2,
            Node::Repeat(c, once, many) => size[*c] + 1 + usize::from(!once && *many),
            _ => 1,
        };
    }
    let mut prog = vec![Inst::Match; size[root] + 3];
    prog[0] = Inst::Save(0);
    prog[size[root] + 1] = Inst::Save(1);
    let mut start = vec![0usize; nodes.len()];
    start[root] = 1;
    for i in (0..nodes.len()).rev() {
        let s = start[i];
        let leaf = match std::mem::replace(&mut nodes[i], Node::Empty) {
            Node::Empty => continue,
            Node::Byte(b) => Inst::Byte(b),
            Node::Any => Inst::Any,
            Node::Set(set) => Inst::Set(set),
            Node::Assert(a) => Inst::Assert(a),
            Node::Backref(n) => Inst::Backref(n),
            Node::Group(n, c) => {
                prog[s] = Inst::Save(2 * n);
                start[c] = s + 1;
                prog[s + 1 + size[c]] = Inst::Save(2 * n + 1);
                continue;
            }
            Node::Concat(items) => {
                let mut at = s;
                for c in items {
                    start[c] = at;
                    at += size[c];
                }
                continue;
            }
            Node::Alt(bs) => {
                let (end, last) = (s + size[i], bs.len() - 1);
                let mut at = s;
                for (k, b) in bs.into_iter().enumerate() {
                    if k == last {
                        start[b] = at;
                        break;
                    }
                    let next = at + size[b] + 2;
                    prog[at] = Inst::Split(at + 1, next);
                    start[b] = at + 1;
                    prog[next - 1] = Inst::Jmp(end);
                    at = next;
                }
                continue;
            }
            Node::Repeat(c, true, _) => {
                start[c] = s;
                Inst::Split(s, s + size[c] + 1)
            }
            Node::Repeat(c, false, many) => {
                let end = s + 1 + size[c] + usize::from(many);
                start[c] = s + 1;
                if many {
                    prog[end - 1] = Inst::Jmp(s);
                }
                prog[s] = Inst::Split(s + 1, end);
                continue;
            }
        };
        // A leaf fills its one slot; `X+` ends with its loop-back split.
        prog[s + size[i] - 1] = leaf;
    }
    prog
}

/// Program states (instruction, text position) already visited.
type Seen = HashSet<u64, FastHash>;

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
            nodes: Vec::new(),
        };
        let root = p.parse()?;
        let backrefs = p.nodes.iter().any(|n| matches!(n, Node::Backref(_)));
        Ok(Regex {
            prog: compile(p.nodes, root),
            groups: p.groups,
            backrefs,
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

    /// The longest match starting exactly at `start`, visiting no state in `seen`; each
    /// state visited counts a step against `steps`.
    fn match_at(
        &self,
        s: &[u8],
        start: usize,
        seen: &mut Seen,
        steps: &mut usize,
    ) -> Result<Option<Captures>, TooComplex> {
        let nslots = 2 * (self.groups + 1);
        let mut caps: Vec<Option<usize>> = vec![None; nslots];
        let mut best: Option<(usize, Vec<Option<usize>>)> = None;
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
                if !seen.insert((pc as u64) << 32 | pos as u64) {
                    break;
                }
                *steps += 1;
                if *steps > limits::REGEX_STEPS {
                    return Err(TooComplex);
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
        Ok(best.map(|(_, caps)| Captures {
            slots: caps
                .chunks(2)
                .map(|p| match (p[0], p[1]) {
                    (Some(a), Some(b)) if a <= b => Some((a, b)),
                    _ => None,
                })
                .collect(),
        }))
    }

    /// The leftmost(-longest) match starting at or after `from`; `steps` counts the work
    /// of all searches of one builtin call.
    pub fn search(
        &self,
        s: &[u8],
        from: usize,
        steps: &mut usize,
    ) -> Result<Option<Captures>, TooComplex> {
        let mut seen = Seen::default();
        for start in from..=s.len() {
            if let Some(m) = self.match_at(s, start, &mut seen, steps)? {
                return Ok(Some(m));
            }
            // A state reached from a failed start cannot reach the end, unless what it
            // can match depends on the groups (back-references).
            if self.backrefs {
                seen.clear();
            }
        }
        Ok(None)
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
    pub fn substitute_all(
        &self,
        s: &[u8],
        repl: &[u8],
        notes: &mut Notes,
    ) -> Result<Vec<u8>, TooComplex> {
        let mut out = Vec::new();
        let mut offset = 0;
        let mut steps = 0;
        while offset <= s.len() {
            let Some(m) = self.search(s, offset, &mut steps)? else {
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
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(s: &str, re: &str, r: &str) -> String {
        let re = Regex::new(re.as_bytes()).unwrap();
        let mut notes = Notes::default();
        String::from_utf8(
            re.substitute_all(s.as_bytes(), r.as_bytes(), &mut notes)
                .unwrap(),
        )
        .unwrap()
    }

    fn find(s: &str, re: &str) -> Option<usize> {
        Regex::new(re.as_bytes())
            .unwrap()
            .search(s.as_bytes(), 0, &mut 0)
            .unwrap()
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
        let m = re.search(b"ab", 0, &mut 0).unwrap().unwrap();
        assert_eq!((m.start(), m.end()), (0, 2));
    }

    #[test]
    fn anchors_and_sets() {
        assert_eq!(find("xab", "^ab"), None);
        assert_eq!(find("x\nab", "^ab"), Some(2));
        assert_eq!(find("a$b", "a$b"), Some(0));
        assert_eq!(find("x]", "[]]"), Some(1));
        assert_eq!(find("x5", "[[:digit:]]"), None);
        assert_eq!(find("x:]", "[[:digit:]]"), Some(1));
        assert_eq!(find("abc", "[z-a]"), None);
        assert_eq!(find("ab+", "\\b+"), Some(2));
        assert_eq!(find("abab", "\\(ab\\)\\1"), Some(0));
    }

    #[test]
    fn malformed_patterns_are_errors() {
        assert!(Regex::new(b"\\(a").is_err());
        assert!(Regex::new(b"a\\)").is_err());
        assert!(Regex::new(b"[a").is_err());
        assert!(Regex::new(b"a\\").is_err());
    }

    #[test]
    fn deep_patterns_need_no_native_stack() {
        let n = 100_000;
        let nested = format!("{}a{}", "\\(".repeat(n), "\\)".repeat(n));
        let re = Regex::new(nested.as_bytes()).unwrap();
        let m = re.search(b"xa", 0, &mut 0).unwrap().unwrap();
        assert_eq!((m.start(), m.get(n)), (1, Some((1, 2))));
        assert_eq!(find("xaab", &format!("a{}b", "*".repeat(n))), Some(1));
        assert!(Regex::new(format!("{}a", "\\(".repeat(n)).as_bytes()).is_err());
    }

    #[test]
    fn nested_stars_fail_in_linear_time() {
        let hay = "a".repeat(100_000);
        let mut steps = 0;
        let re = Regex::new(b"\\(a*\\)*b").unwrap();
        assert_eq!(re.search(hay.as_bytes(), 0, &mut steps), Ok(None));
        assert!(steps < 1_000_000, "{steps} steps");
    }

    #[test]
    fn back_references_stop_at_the_step_limit() {
        let hay = "a".repeat(20_000);
        let re = Regex::new(b"\\(a*\\)*\\1b").unwrap();
        assert_eq!(re.search(hay.as_bytes(), 0, &mut 0), Err(TooComplex));
    }
}
