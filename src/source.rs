//! Source files, byte spans, and the map from a span back to where its text came from.
//!
//! Everything the compiler reports is a [`Span`] into one [`SourceFile`] held by a
//! [`SourceMap`]. A policy.conf written by `m4 -s` carries `#line N "FILE"` directives; the
//! lexer reports them and the file records them as [`LineDirective`]s, so that a location in
//! the generated text can be shown at the original `.te`/`.if` line as well.
//!
//! **Invariant:** a [`FileId`] is an index into the [`SourceMap`] that created it; spans are
//! byte offsets that lie on `char` boundaries of that file's text.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A half-open byte range `start..end` in one file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The span as a `Range<usize>` for slicing.
    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A `#line N ["FILE"]` directive: from line `at_line` (0-based, the line after the
/// directive) on, lines count from `orig_line` in the file [`SourceFile::directive_file`]
/// names. Its file name is interned in the [`SourceFile`]; the file stores its directives
/// compactly (about two bytes each) and hands them out by value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineDirective {
    /// 0-based line index in this file where the mapping starts.
    pub at_line: u32,
    /// The 1-based line number of the first mapped line in the original file.
    pub orig_line: u32,
    /// The original file: an index into [`SourceFile`]'s `origin_files`.
    file: u32,
}

/// How to read a file's text again once [`SourceFile::release_text`] has dropped it;
/// given by the caller that read the file, since stages do no I/O. It gives `None` when
/// the file is gone or changed.
#[derive(Clone)]
pub struct Reread(Arc<dyn Fn() -> Option<String> + Send + Sync>);

impl Reread {
    /// A way to read the text again.
    pub fn new(read: impl Fn() -> Option<String> + Send + Sync + 'static) -> Reread {
        Reread(Arc::new(read))
    }
}

impl fmt::Debug for Reread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Reread")
    }
}

/// A released text read again: empty when it cannot be.
fn read_again(reread: Option<&Reread>) -> String {
    reread.and_then(|r| (r.0)()).unwrap_or_default()
}

/// One file's text with its line table.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name as the user gave it (a path relative to where flaskc runs, usually).
    pub name: String,
    /// The whole text; empty after [`SourceFile::release_text`] until [`SourceFile::text`]
    /// reads it again.
    text: OnceLock<String>,
    /// How to read the text again, when it may be released.
    reread: Option<Reread>,
    /// Computed on first use: a compile without diagnostics never needs it.
    line_starts: OnceLock<Vec<u32>>,
    directives: DirectiveTable,
    /// The distinct file names directives name, each once.
    origin_files: Vec<String>,
    origin_index: HashMap<String, u32>,
}

/// Records `#line` directives into a [`SourceFile`] while its text is borrowed for lexing.
pub struct DirectiveRecorder<'a> {
    name: &'a str,
    /// The text lexed, or the piece of it being lexed, starting at byte `base`.
    text: &'a str,
    base: usize,
    /// A byte offset already seen and the 0-based line it is on: directives come in text
    /// order, so each one's line is counted on from the previous one's.
    seen: (usize, u32),
    directives: &'a mut DirectiveTable,
    origin_files: &'a mut Vec<String>,
    origin_index: &'a mut HashMap<String, u32>,
}

impl DirectiveRecorder<'_> {
    /// Records a `#line N ["FILE"]` directive found at byte `offset`; without a file name
    /// the previous directive's file is kept (GNU m4 omits it when the file did not change).
    pub fn add(&mut self, offset: usize, orig_line: u32, orig_file: Option<&str>) {
        let (from, line) = if offset >= self.seen.0 {
            self.seen
        } else {
            (0, 0)
        };
        let between = (self.text.as_bytes())
            .get(from.saturating_sub(self.base)..offset.saturating_sub(self.base))
            .unwrap_or_default();
        let line = line + between.iter().filter(|&&b| b == b'\n').count() as u32;
        self.seen = (offset, line);
        let at_line = line + 1;
        let file = match orig_file {
            Some(f) => self.intern(f),
            None => match self.directives.last {
                Some(d) => d.file,
                None => self.intern(self.name),
            },
        };
        self.directives.push(LineDirective {
            at_line,
            orig_line,
            file,
        });
    }

    /// Gives back the spare room of the directive table once lexing is done.
    pub fn finish(self) {
        self.directives.marks.shrink_to_fit();
        self.directives.deltas.shrink_to_fit();
    }

    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.origin_index.get(name) {
            return i;
        }
        let i = self.origin_files.len() as u32;
        self.origin_files.push(name.to_string());
        self.origin_index.insert(name.to_string(), i);
        i
    }
}

/// A file's `#line` directives, stored compactly: refpolicy's policy.conf has 1.56 M of
/// them (one for every two lines, most restating the line before's origin), which as
/// plain [`LineDirective`]s took 19 MB. Every [`DIRECTIVE_GROUP`]th directive is kept
/// whole; the others are each the difference from the one before, as variable-length
/// numbers (usually two bytes).
#[derive(Debug, Clone, Default)]
struct DirectiveTable {
    /// The first directive of each group, with where the next one's difference starts in
    /// `deltas`.
    marks: Vec<(LineDirective, usize)>,
    /// The differences of the other directives, in order.
    deltas: Vec<u8>,
    /// How many directives there are.
    len: usize,
    /// The last directive, which the next one is the difference from.
    last: Option<LineDirective>,
}

/// How many directives a group holds: a lookup decodes at most this many differences.
const DIRECTIVE_GROUP: usize = 64;

impl DirectiveTable {
    fn push(&mut self, d: LineDirective) {
        match self.last {
            Some(prev) if !self.len.is_multiple_of(DIRECTIVE_GROUP) => {
                let file_changed = d.file != prev.file;
                let at = zigzag(i64::from(d.at_line) - i64::from(prev.at_line));
                put_varint(&mut self.deltas, at << 1 | u64::from(file_changed));
                let orig = zigzag(i64::from(d.orig_line) - i64::from(prev.orig_line));
                put_varint(&mut self.deltas, orig);
                if file_changed {
                    put_varint(&mut self.deltas, u64::from(d.file));
                }
            }
            _ => self.marks.push((d, self.deltas.len())),
        }
        self.last = Some(d);
        self.len += 1;
    }

    /// The directive after `prev`, decoded from `deltas` at `*pos`.
    fn next(&self, prev: LineDirective, pos: &mut usize) -> LineDirective {
        let head = get_varint(&self.deltas, pos);
        let at_line = (i64::from(prev.at_line) + unzigzag(head >> 1)) as u32;
        let orig_line =
            (i64::from(prev.orig_line) + unzigzag(get_varint(&self.deltas, pos))) as u32;
        let file = if head & 1 == 1 {
            get_varint(&self.deltas, pos) as u32
        } else {
            prev.file
        };
        LineDirective {
            at_line,
            orig_line,
            file,
        }
    }

    fn get(&self, i: usize) -> Option<LineDirective> {
        if i >= self.len {
            return None;
        }
        let (mut d, mut pos) = *self.marks.get(i / DIRECTIVE_GROUP)?;
        for _ in 0..i % DIRECTIVE_GROUP {
            d = self.next(d, &mut pos);
        }
        Some(d)
    }

    /// How many directives start at or before 0-based line `line` (directives are in text
    /// order, so their lines only grow).
    fn count_through(&self, line: usize) -> usize {
        let group = self
            .marks
            .partition_point(|(d, _)| d.at_line as usize <= line);
        let Some(&(mut d, mut pos)) = group.checked_sub(1).and_then(|g| self.marks.get(g)) else {
            return 0;
        };
        let mut n = (group - 1) * DIRECTIVE_GROUP + 1;
        let end = (group * DIRECTIVE_GROUP).min(self.len);
        while n < end {
            d = self.next(d, &mut pos);
            if d.at_line as usize > line {
                break;
            }
            n += 1;
        }
        n
    }
}

/// A signed difference as an unsigned number, small when the difference is small.
fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    (v >> 1) as i64 ^ -((v & 1) as i64)
}

/// Appends `v` seven bits a byte, low bits first; the high bit marks a byte that is
/// followed by another.
fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads a number [`put_varint`] wrote at `*pos`, moving past it.
fn get_varint(bytes: &[u8], pos: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    while let Some(&b) = bytes.get(*pos) {
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift.min(63);
        shift += 7;
        if b & 0x80 == 0 {
            break;
        }
    }
    v
}

/// 0-based line index of a byte offset, given the offsets where lines start.
fn line_index(line_starts: &[u32], offset: usize) -> usize {
    match line_starts.binary_search(&(offset as u32)) {
        Ok(i) => i,
        Err(i) => i - 1,
    }
}

/// Where a byte offset is, both in the file itself and, through `#line`, in its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file name as given.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
    /// The original file and line, when a `#line` directive maps this line elsewhere.
    pub origin: Option<(String, u32)>,
}

impl SourceFile {
    /// A file; its line table is computed when first asked for.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        SourceFile {
            name: name.into(),
            text: OnceLock::from(text.into()),
            reread: None,
            line_starts: OnceLock::new(),
            directives: DirectiveTable::default(),
            origin_files: Vec::new(),
            origin_index: HashMap::new(),
        }
    }

    /// A file whose text is not read yet: it is read with `reread` when first asked for
    /// (a large file parsed in pieces needs it only to show a diagnostic; see
    /// [`crate::syntax::parse_pieces`]).
    pub fn unread(name: impl Into<String>, reread: Reread) -> SourceFile {
        let mut file = SourceFile::new(name, String::new()).rereadable(reread);
        file.text = OnceLock::new();
        file
    }

    /// The file, with a way to read its text again, so that [`SourceFile::release_text`]
    /// may drop it.
    pub fn rereadable(mut self, reread: Reread) -> SourceFile {
        self.reread = Some(reread);
        self
    }

    /// The whole text (read again first if it was released; empty if that fails).
    pub fn text(&self) -> &str {
        self.text.get_or_init(|| read_again(self.reread.as_ref()))
    }

    /// Drops the text if it can be read again: a large policy.conf's text (45 MB for
    /// refpolicy) is not needed once parsed, unless a diagnostic is shown. Whether it did.
    pub fn release_text(&mut self) -> bool {
        if self.reread.is_none() {
            return false;
        }
        self.text = OnceLock::new();
        true
    }

    /// Byte offsets where each line starts.
    pub fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0u32];
            starts.extend(
                self.text()
                    .bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| i as u32 + 1),
            );
            starts
        })
    }

    /// How many `#line` directives were recorded for this file.
    pub fn directive_count(&self) -> usize {
        self.directives.len
    }

    /// The `i`th `#line` directive recorded for this file, in text order.
    pub fn directive(&self, i: usize) -> Option<LineDirective> {
        self.directives.get(i)
    }

    /// How many directives start at or before 0-based line `line`: the one in force there
    /// is the directive before that count, if any.
    pub fn directives_through(&self, line: usize) -> usize {
        self.directives.count_through(line)
    }

    /// The original file a directive names.
    pub fn directive_file(&self, d: &LineDirective) -> &str {
        &self.origin_files[d.file as usize]
    }

    /// The text, with a recorder for the directives found while lexing it.
    pub fn directive_recorder(&mut self) -> (&str, DirectiveRecorder<'_>) {
        let reread = self.reread.as_ref();
        let text: &str = self.text.get_or_init(|| read_again(reread));
        (
            text,
            DirectiveRecorder {
                name: &self.name,
                text,
                base: 0,
                seen: (0, 0),
                directives: &mut self.directives,
                origin_files: &mut self.origin_files,
                origin_index: &mut self.origin_index,
            },
        )
    }

    /// A recorder for the directives of a piece of the text, read in pieces rather than
    /// held whole: `piece` starts at byte `base` of the file, on 0-based line `line`.
    /// Pieces must come in text order.
    pub fn piece_recorder<'a>(
        &'a mut self,
        piece: &'a str,
        base: usize,
        line: u32,
    ) -> DirectiveRecorder<'a> {
        DirectiveRecorder {
            name: &self.name,
            text: piece,
            base,
            seen: (base, line),
            directives: &mut self.directives,
            origin_files: &mut self.origin_files,
            origin_index: &mut self.origin_index,
        }
    }

    /// Records a `#line N ["FILE"]` directive found at byte `offset` (see
    /// [`DirectiveRecorder::add`]).
    pub fn add_directive(&mut self, offset: usize, orig_line: u32, orig_file: Option<&str>) {
        self.directive_recorder()
            .1
            .add(offset, orig_line, orig_file);
    }

    /// 0-based line index of a byte offset.
    pub fn line_index(&self, offset: usize) -> usize {
        line_index(self.line_starts(), offset)
    }

    /// Byte range of a 0-based line, without its newline.
    pub fn line_range(&self, line: usize) -> Range<usize> {
        let start = self.line_starts()[line] as usize;
        let end = self
            .line_starts()
            .get(line + 1)
            .map(|&e| e as usize - 1)
            .unwrap_or(self.text().len());
        start..end.max(start)
    }

    /// The original file and 1-based line of a 0-based line index, through `#line`.
    pub fn origin_of_line(&self, line: usize) -> Option<(&str, u32)> {
        let d = self.directive(self.directives_through(line).checked_sub(1)?)?;
        Some((
            self.directive_file(&d),
            d.orig_line + (line as u32 - d.at_line),
        ))
    }

    /// File, line and column of a byte offset, with its `#line` origin.
    pub fn location(&self, offset: usize) -> Location {
        let offset = offset.min(self.text().len());
        let line = self.line_index(offset);
        let start = self.line_starts()[line] as usize;
        let column = self
            .text()
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start)
            + 1;
        Location {
            file: self.name.clone(),
            line: line as u32 + 1,
            column: column as u32,
            origin: self.origin_of_line(line).map(|(f, l)| (f.to_string(), l)),
        }
    }
}

/// All source files of one run.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    /// The file with this id.
    ///
    /// # Panics
    /// If the id did not come from this map.
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Mutable access, for recording directives while lexing.
    pub fn file_mut(&mut self, id: FileId) -> &mut SourceFile {
        &mut self.files[id.0 as usize]
    }

    /// All files with their ids.
    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_count_lines_and_columns() {
        let f = SourceFile::new("a.conf", "ab\ncd\n\nxyz");
        assert_eq!(f.location(0).line, 1);
        assert_eq!(f.location(4).line, 2);
        assert_eq!(f.location(4).column, 2);
        assert_eq!(f.location(9).line, 4);
        assert_eq!(f.line_range(1), 3..5);
        assert_eq!(f.line_range(2), 6..6);
    }

    #[test]
    fn line_directives_map_following_lines() {
        let text = "#line 1 \"x.te\"\nallow\n#line 40\nfoo\nbar\n";
        let mut f = SourceFile::new("policy.conf", text);
        f.add_directive(0, 1, Some("x.te"));
        f.add_directive(text.find("#line 40").unwrap(), 40, None);
        assert_eq!(f.origin_of_line(0), None);
        assert_eq!(f.origin_of_line(1), Some(("x.te", 1)));
        assert_eq!(f.origin_of_line(3), Some(("x.te", 40)));
        assert_eq!(f.origin_of_line(4), Some(("x.te", 41)));
    }

    #[test]
    fn the_directive_table_gives_back_what_it_was_given() {
        let mut table = DirectiveTable::default();
        let mut plain = Vec::new();
        for i in 0..500u32 {
            let d = LineDirective {
                at_line: i * 2 + i / 7,
                orig_line: if i % 5 == 0 { 1_000_000 - i } else { i / 3 },
                file: (i / 90) % 3,
            };
            table.push(d);
            plain.push(d);
        }
        for (i, d) in plain.iter().enumerate() {
            assert_eq!(table.get(i), Some(*d));
        }
        assert_eq!(table.get(plain.len()), None);
        for line in 0..1200 {
            let expected = plain.partition_point(|d| d.at_line as usize <= line);
            assert_eq!(table.count_through(line), expected, "line {line}");
        }
    }
}
