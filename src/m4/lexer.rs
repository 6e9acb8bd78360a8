//! The input stack and the tokenizer of the m4 expander.
//!
//! GNU m4 reads one stream of characters assembled from a stack of input blocks: the files
//! named on the command line or included, and the texts that macro expansions push back to
//! be read again. This module keeps that stack and cuts the stream into tokens (words,
//! quoted strings, comments, parentheses, commas and single other characters).
//!
//! **Line numbers follow GNU m4 exactly**, because `-s` output depends on them: a file block
//! counts its lines lazily (the counter moves when the first character of a new line is
//! read), and a pushed string keeps the file and line current when it was pushed. The
//! "current" file and line are refreshed whenever the top block changes.

use std::rc::Rc;

use super::builtins::Builtin;

/// Index of a file name in the expander's name table.
pub(crate) type NameId = u32;

/// Index of an expansion record (a macro call) in the expander's arena.
pub(crate) type ExpId = u32;

/// Where a piece of text was written in a file: name, 1-based line, 1-based column (0 when
/// only the line is known).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Src {
    pub name: NameId,
    pub line: u32,
    pub col: u32,
}

/// Sources of a text: each entry applies from its byte offset to the next entry's.
pub(crate) type Spans = Vec<(u32, Src)>;

/// Appends `from` (sources of a text now placed at `offset`) to `to`.
pub(crate) fn append_spans(to: &mut Spans, offset: usize, from: &[(u32, Src)]) {
    for &(k, src) in from {
        push_span(to, offset as u32 + k, src);
    }
}

/// Adds one source entry, unless it repeats the last one.
pub(crate) fn push_span(to: &mut Spans, at: u32, src: Src) {
    if to.last().is_none_or(|&(_, last)| last != src) {
        to.push((at, src));
    }
}

/// Appends the sources of `len` bytes starting at `start` of a text with sources `spans`,
/// now placed at `offset`.
pub(crate) fn append_slice(
    to: &mut Spans,
    offset: usize,
    spans: &[(u32, Src)],
    start: usize,
    len: usize,
) {
    let (start, end) = (start as u32, (start + len) as u32);
    let first = spans.partition_point(|&(k, _)| k <= start);
    if let Some(&(_, src)) = first.checked_sub(1).and_then(|i| spans.get(i)) {
        push_span(to, offset as u32, src);
    }
    for &(k, src) in spans[first..].iter().take_while(|&&(k, _)| k < end) {
        push_span(to, offset as u32 + k - start, src);
    }
}

/// The source in effect at byte `at` of a text with sources `spans`.
pub(crate) fn source_at(spans: &[(u32, Src)], at: usize) -> Option<Src> {
    let i = spans.partition_point(|&(k, _)| k as usize <= at);
    spans.get(i.checked_sub(1)?).map(|&(_, src)| src)
}

/// One block of the input stack.
#[derive(Debug)]
enum Block {
    /// A file being read. `advance` saves the caller's pending line advance (GNU m4's
    /// `start_of_input_line`) so it is restored when the file ends.
    File {
        name: NameId,
        data: Rc<[u8]>,
        pos: usize,
        line: u32,
        line_start: usize,
        advance: bool,
    },
    /// Text pushed back by a macro expansion, read again from the start.
    Str {
        data: Vec<u8>,
        pos: usize,
        name: NameId,
        line: u32,
        exp: Option<ExpId>,
        spans: Spans,
    },
    /// A builtin's definition produced by `defn`, read as one token.
    Func(Builtin),
}

impl Block {
    fn byte_at(&self, off: usize) -> Option<Peeked> {
        match self {
            Block::File { data, pos, .. } => data.get(pos + off).map(|&b| Peeked::Byte(b)),
            Block::Str { data, pos, .. } => data.get(pos + off).map(|&b| Peeked::Byte(b)),
            Block::Func(b) => (off == 0).then_some(Peeked::Func(*b)),
        }
    }

    fn remaining(&self) -> usize {
        match self {
            Block::File { data, pos, .. } => data.len() - pos,
            Block::Str { data, pos, .. } => data.len() - pos,
            Block::Func(_) => 1,
        }
    }
}

/// What the next position of the stream holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Peeked {
    Byte(u8),
    Func(Builtin),
}

/// The kinds of token GNU m4 distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// A name: a letter or `_` followed by letters, digits and `_`.
    Word,
    /// A quoted string (the text holds it without its outer quotes).
    Str,
    /// A comment, delimiters included.
    Comment,
    /// `(`.
    Open,
    /// `,`.
    Comma,
    /// `)`.
    Close,
    /// Any other single character.
    Simple,
    /// A builtin definition from `defn`.
    Func(Builtin),
    /// The end of all input.
    Eof,
}

/// Where a token began: the current file and line (as GNU m4 sees them), the column in a
/// file (0 inside pushed text) and the expansion that produced it, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub name: NameId,
    pub line: u32,
    pub col: u32,
    pub exp: Option<ExpId>,
}

/// A lexical error: the stream ended inside a string or a comment that began at `Pos`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LexError {
    EofInString(Pos),
    EofInComment(Pos),
}

/// Start and end delimiters of quotes or comments; an empty start disables them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Delims {
    pub start: Vec<u8>,
    pub end: Vec<u8>,
}

/// The input stack with GNU m4's notion of the current file and line.
#[derive(Debug)]
pub(crate) struct Input {
    stack: Vec<Block>,
    /// File of the block read last (GNU m4's `current_file`).
    pub cur_name: NameId,
    /// Line of the block read last (GNU m4's `current_line`).
    pub cur_line: u32,
    changed: bool,
    start_of_line: bool,
    /// The current quote delimiters.
    pub quote: Delims,
    /// The current comment delimiters.
    pub comment: Delims,
    /// The text of the token read last.
    pub text: Vec<u8>,
    /// Where the token read last began: stack index, position in that block, and how many
    /// delimiter bytes precede its text there.
    mark: (usize, usize, usize),
    /// Set when a file block was popped, so the output invalidates its line (GNU m4 sets
    /// `output_current_line` to -1 there).
    pub file_popped: bool,
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_word_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl Input {
    /// An empty stack with the default quotes and comments.
    pub fn new() -> Input {
        Input {
            stack: Vec::new(),
            cur_name: 0,
            cur_line: 0,
            changed: false,
            start_of_line: false,
            quote: Delims {
                start: b"`".to_vec(),
                end: b"'".to_vec(),
            },
            comment: Delims {
                start: b"#".to_vec(),
                end: b"\n".to_vec(),
            },
            text: Vec::new(),
            mark: (usize::MAX, 0, 0),
            file_popped: false,
        }
    }

    /// Number of blocks on the stack, for the runaway-input limit.
    pub fn depth(&self) -> usize {
        self.stack.len()
    }

    /// Bytes the stack holds: files and pushed-back text with its sources.
    pub fn held(&self) -> usize {
        self.stack
            .iter()
            .map(|b| match b {
                Block::File { data, .. } => data.len(),
                Block::Str { data, spans, .. } => {
                    data.len() + spans.len() * std::mem::size_of::<(u32, Src)>()
                }
                Block::Func(_) => 0,
            })
            .sum()
    }

    /// Number of files being read (nested `include`s plus the input file).
    pub fn open_files(&self) -> usize {
        self.stack
            .iter()
            .filter(|b| matches!(b, Block::File { .. }))
            .count()
    }

    /// Starts reading a file; its lines count from 1.
    pub fn push_file(&mut self, name: NameId, data: Rc<[u8]>) {
        let advance = self.start_of_line;
        self.start_of_line = false;
        self.stack.push(Block::File {
            name,
            data,
            pos: 0,
            line: 1,
            line_start: 0,
            advance,
        });
        self.cur_name = name;
        self.cur_line = 1;
        self.changed = true;
    }

    /// Pushes text to be read next, attributed to the given file and line.
    pub fn push_str_at(
        &mut self,
        data: Vec<u8>,
        name: NameId,
        line: u32,
        exp: Option<ExpId>,
        spans: Spans,
    ) {
        if data.is_empty() {
            return;
        }
        self.drop_spent_strings();
        let mut spans = spans;
        if spans.first().is_some_and(|&(k, _)| k > 0) {
            // Text before the first known source is attributed to the call.
            let call = Src { name, line, col: 0 };
            spans.insert(0, (0, call));
        }
        self.stack.push(Block::Str {
            data,
            pos: 0,
            name,
            line,
            exp,
            spans,
        });
        self.changed = true;
    }

    /// Pops fully read pushed texts from the top. Without this, a macro whose expansion
    /// ends by calling itself would leave one spent block per round on the stack. Spent
    /// files stay, since popping one has effects (on `-s` output) GNU m4 applies later.
    fn drop_spent_strings(&mut self) {
        while let Some(Block::Str { data, pos, .. }) = self.stack.last() {
            if *pos < data.len() {
                break;
            }
            self.stack.pop();
        }
    }

    /// Pushes a builtin definition token.
    pub fn push_func(&mut self, b: Builtin) {
        self.drop_spent_strings();
        self.stack.push(Block::Func(b));
        self.changed = true;
    }

    fn pop(&mut self) {
        if let Some(Block::File { advance, .. }) = self.stack.pop() {
            self.start_of_line = advance;
            self.file_popped = true;
        }
        self.changed = true;
    }

    /// The thing `off` positions ahead, looking through exhausted blocks as GNU m4 does.
    pub fn peek_at(&self, mut off: usize) -> Option<Peeked> {
        for b in self.stack.iter().rev() {
            let n = b.remaining();
            if off < n {
                return b.byte_at(off);
            }
            if matches!(b, Block::Func(_)) {
                return None;
            }
            off -= n;
        }
        None
    }

    /// The next byte, if the stream goes on with a byte.
    pub fn peek(&self) -> Option<u8> {
        match self.peek_at(0) {
            Some(Peeked::Byte(b)) => Some(b),
            _ => None,
        }
    }

    /// Consumes and returns the next thing of the stream, popping exhausted blocks.
    fn next(&mut self) -> Option<Peeked> {
        loop {
            if self.changed {
                self.refresh();
            }
            let start_of_line = &mut self.start_of_line;
            match self.stack.last_mut()? {
                Block::File {
                    data,
                    pos,
                    line,
                    line_start,
                    ..
                } => {
                    if *start_of_line {
                        *start_of_line = false;
                        *line += 1;
                        *line_start = *pos;
                        self.cur_line = *line;
                    }
                    if let Some(&b) = data.get(*pos) {
                        *pos += 1;
                        if b == b'\n' {
                            self.start_of_line = true;
                        }
                        return Some(Peeked::Byte(b));
                    }
                }
                Block::Str { data, pos, .. } => {
                    if let Some(&b) = data.get(*pos) {
                        *pos += 1;
                        return Some(Peeked::Byte(b));
                    }
                }
                Block::Func(b) => {
                    let b = *b;
                    self.stack.pop();
                    self.changed = true;
                    return Some(Peeked::Func(b));
                }
            }
            self.pop();
        }
    }

    fn refresh(&mut self) {
        self.changed = false;
        match self.stack.last() {
            Some(Block::File { name, line, .. }) | Some(Block::Str { name, line, .. }) => {
                self.cur_name = *name;
                self.cur_line = *line;
            }
            // At the end of all input GNU m4 keeps the last file and line for messages.
            Some(Block::Func(_)) | None => {}
        }
    }

    /// Consumes one byte that `peek` has shown.
    pub fn skip_byte(&mut self) {
        let _ = self.next();
    }

    /// Consumes `s` if the stream continues with it.
    pub fn eat(&mut self, s: &[u8]) -> bool {
        if s.is_empty() || !self.starts_with(s) {
            return false;
        }
        for _ in 0..s.len() {
            self.next();
        }
        true
    }

    fn starts_with(&self, s: &[u8]) -> bool {
        s.iter()
            .enumerate()
            .all(|(i, &c)| self.peek_at(i) == Some(Peeked::Byte(c)))
    }

    /// Where the next byte is: current file/line (after refreshing), column, expansion.
    fn here(&mut self) -> Pos {
        if self.changed {
            self.refresh();
        }
        match self.stack.last() {
            Some(Block::File {
                name,
                pos,
                line,
                line_start,
                ..
            }) => {
                let (line, col) = if self.start_of_line {
                    (*line + 1, 0)
                } else {
                    (*line, (*pos - *line_start) as u32)
                };
                Pos {
                    name: *name,
                    line,
                    col,
                    exp: None,
                }
            }
            Some(Block::Str {
                name, line, exp, ..
            }) => Pos {
                name: *name,
                line: *line,
                col: 0,
                exp: *exp,
            },
            _ => Pos {
                name: self.cur_name,
                line: self.cur_line,
                col: 0,
                exp: None,
            },
        }
    }

    /// Drops exhausted blocks from the top so that `here` describes the next byte.
    fn settle(&mut self) {
        while self.stack.last().is_some_and(|b| b.remaining() == 0) {
            self.pop();
        }
        self.refresh();
    }

    /// Reads the next token into `self.text` and returns its kind and where it began.
    pub fn next_token(&mut self) -> Result<(TokenKind, Pos), LexError> {
        self.text.clear();
        self.settle();
        let mut pos = self.here();
        self.mark = match self.stack.last() {
            Some(Block::File { pos, .. } | Block::Str { pos, .. }) => {
                (self.stack.len() - 1, *pos, 0)
            }
            _ => (usize::MAX, 0, 0),
        };
        let first = match self.peek_at(0) {
            None => return Ok((TokenKind::Eof, pos)),
            Some(Peeked::Func(b)) => {
                self.next();
                return Ok((TokenKind::Func(b), pos));
            }
            Some(Peeked::Byte(b)) => b,
        };
        // GNU m4 records the line after consuming the first character.
        if self.comment.start.first() == Some(&first) && self.starts_with(&self.comment.start) {
            let delims = std::mem::take(&mut self.comment);
            let r = self.read_comment(&delims, pos);
            self.comment = delims;
            return r;
        }
        if is_word_start(first) {
            self.next();
            pos.line = self.cur_line;
            self.text.push(first);
            self.bulk(|b| !is_word_char(b));
            while let Some(b) = self.peek().filter(|&b| is_word_char(b)) {
                self.next();
                self.text.push(b);
            }
            return Ok((TokenKind::Word, pos));
        }
        if self.quote.start.first() == Some(&first) && self.starts_with(&self.quote.start) {
            let delims = std::mem::take(&mut self.quote);
            let r = self.read_quoted(&delims, pos);
            self.quote = delims;
            return r;
        }
        self.next();
        pos.line = self.cur_line;
        self.text.push(first);
        let kind = match first {
            b'(' => TokenKind::Open,
            b',' => TokenKind::Comma,
            b')' => TokenKind::Close,
            _ => TokenKind::Simple,
        };
        if kind == TokenKind::Simple && first != b'\n' {
            self.extend_run(first);
        }
        Ok((kind, pos))
    }

    /// Extends a one-character token with the following characters of the same block that
    /// GNU m4 would also read as one-character tokens of the same sort (blanks after a
    /// blank, other plain characters after a plain one). Expanding them one by one or as a
    /// run gives the same output, `-s` included (a run never holds a newline, so no line
    /// starts inside it), and runs make plain text much cheaper.
    fn extend_run(&mut self, first: u8) {
        let blank = first == b' ' || first == b'\t';
        let stops = [
            self.quote.start.first().copied(),
            self.comment.start.first().copied(),
        ];
        loop {
            let next = match self.stack.last() {
                Some(Block::Str { data, pos, .. }) => data.get(*pos).copied(),
                Some(Block::File { data, pos, .. }) => data.get(*pos).copied(),
                _ => None,
            };
            let Some(b) = next else {
                return;
            };
            let same_sort = if blank {
                b == b' ' || b == b'\t'
            } else {
                !(b.is_ascii_whitespace() || is_word_start(b) || matches!(b, b'(' | b',' | b')'))
            };
            if !same_sort || stops.contains(&Some(b)) {
                return;
            }
            self.next();
            self.text.push(b);
        }
    }

    /// Copies bytes of the top block into the token text up to (not including) the first
    /// byte for which `stop` holds, a newline, or the block's end. A fast path only: the
    /// caller goes on byte by byte, which handles newlines and block changes.
    fn bulk(&mut self, stop: impl Fn(u8) -> bool) {
        if self.changed || self.start_of_line {
            return;
        }
        let (data, pos): (&[u8], &mut usize) = match self.stack.last_mut() {
            Some(Block::Str { data, pos, .. }) => (data, pos),
            Some(Block::File { data, pos, .. }) => (data, pos),
            _ => return,
        };
        let rest = &data[*pos..];
        let n = rest
            .iter()
            .position(|&b| b == b'\n' || stop(b))
            .unwrap_or(rest.len());
        self.text.extend_from_slice(&rest[..n]);
        *pos += n;
    }

    /// Reads a comment whose start delimiter is next; the token keeps both delimiters.
    fn read_comment(&mut self, d: &Delims, mut pos: Pos) -> Result<(TokenKind, Pos), LexError> {
        self.eat(&d.start);
        pos.line = self.cur_line;
        self.text.extend_from_slice(&d.start);
        let end0 = d.end.first().copied();
        loop {
            self.bulk(|b| Some(b) == end0);
            match self.peek_at(0) {
                Some(Peeked::Byte(b)) if Some(&b) == d.end.first() && self.eat(&d.end) => {
                    self.text.extend_from_slice(&d.end);
                    return Ok((TokenKind::Comment, pos));
                }
                Some(Peeked::Byte(b)) => {
                    self.next();
                    self.text.push(b);
                }
                _ => return Err(LexError::EofInComment(pos)),
            }
        }
    }

    /// Reads a quoted string whose start delimiter is next, minding nested quotes; the
    /// token's text is without the outer delimiters.
    fn read_quoted(&mut self, d: &Delims, mut pos: Pos) -> Result<(TokenKind, Pos), LexError> {
        self.eat(&d.start);
        pos.line = self.cur_line;
        self.mark.2 = d.start.len();
        let mut level = 1usize;
        let (start0, end0) = (d.start.first().copied(), d.end.first().copied());
        loop {
            self.bulk(|b| Some(b) == start0 || Some(b) == end0);
            let b = match self.peek_at(0) {
                Some(Peeked::Byte(b)) => b,
                _ => return Err(LexError::EofInString(pos)),
            };
            if Some(&b) == d.end.first() && self.eat(&d.end) {
                level -= 1;
                if level == 0 {
                    return Ok((TokenKind::Str, pos));
                }
                self.text.extend_from_slice(&d.end);
            } else if Some(&b) == d.start.first() && self.eat(&d.start) {
                level += 1;
                self.text.extend_from_slice(&d.start);
            } else {
                self.next();
                self.text.push(b);
            }
        }
    }

    /// The sources of the token read last (`pos` is where it began, `len` the length of
    /// its text). A token read from
    /// one block gets exact sources; one that crossed blocks is attributed to its start.
    pub fn token_spans(&self, pos: Pos, len: usize, mut emit: impl FnMut(u32, Src)) {
        let (idx, start, skip) = self.mark;
        let fallback = Src {
            name: pos.name,
            line: pos.line,
            col: 0,
        };
        let first = start + skip;
        match self.stack.last() {
            _ if idx + 1 != self.stack.len() => emit(0, fallback),
            Some(Block::File { name, data, .. }) => {
                let Some(text) = data.get(first..first + len) else {
                    return emit(0, fallback);
                };
                let col = pos.col + skip as u32 + 1;
                emit(
                    0,
                    Src {
                        name: *name,
                        line: pos.line,
                        col,
                    },
                );
                let breaks = text.iter().enumerate().filter(|(_, &b)| b == b'\n');
                for (line, (i, _)) in (pos.line + 1..).zip(breaks) {
                    if i + 1 < text.len() {
                        emit(
                            i as u32 + 1,
                            Src {
                                name: *name,
                                line,
                                col: 1,
                            },
                        );
                    }
                }
            }
            Some(Block::Str { spans, .. }) if !spans.is_empty() => {
                let (from, end) = (first as u32, (first + len) as u32);
                let at = spans.partition_point(|&(k, _)| k <= from);
                if let Some(&(_, src)) = at.checked_sub(1).and_then(|i| spans.get(i)) {
                    emit(0, src);
                }
                for &(k, src) in spans[at..].iter().take_while(|&&(k, _)| k < end) {
                    emit(k - from, src);
                }
            }
            _ => emit(0, fallback),
        }
    }

    /// Discards input up to and including the next newline (`dnl`); false at end of input.
    pub fn skip_line(&mut self) -> bool {
        loop {
            match self.next() {
                Some(Peeked::Byte(b'\n')) => return true,
                Some(_) => {}
                None => return false,
            }
        }
    }

    /// Drops every block (for `m4exit` and fatal errors).
    pub fn clear(&mut self) {
        self.stack.clear();
    }
}
