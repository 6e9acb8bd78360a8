//! The expansion loop: tokens in, output (with `#line` directives and diversions) out.
//!
//! GNU m4 collects macro arguments by recursion; here the calls whose arguments are being
//! collected sit on an explicit stack of [`Frame`]s, so deep nesting costs heap, never the
//! native stack. A finished call's expansion is pushed back onto the input and read again.
//!
//! `-s` output follows GNU m4's rule: every output line advances the expected line number,
//! but only at the start of a token is it compared with the line GNU m4 attributes the
//! token to (the line of the outermost call, for expanded text); if they differ, a
//! `#line N` directive is written, with `"FILE"` after a file change or diversion switch.
//!
//! Apart from that GNU-compatible line, every piece of text carries its true sources
//! ([`Spans`]): tokens read from files get their lines and columns, collected arguments and
//! definitions keep them, and substitution and `ifdef`/`ifelse` pass them on, so the
//! output's [`Origin`]s point at where each character was written.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

use super::builtins::Builtin;
use super::lexer::{
    append_slice, append_spans, push_span, source_at, ExpId, Input, LexError, NameId, Pos, Spans,
    Src, TokenKind,
};
use super::{
    Arg, Definition, Expanded, Expansion, FileLoader, LoadError, Message, Options, Origin, Severity,
};

/// A macro definition.
#[derive(Debug, Clone)]
pub(crate) enum Def {
    /// Text with `$` parameters, and where the `define` was (file, line).
    User {
        body: Rc<[u8]>,
        site: Option<(NameId, u32)>,
        spans: Rc<[(u32, Src)]>,
    },
    /// A builtin.
    Builtin(Builtin),
}

/// FNV-1a: macro names are short and every word of the input is looked up, so a cheap
/// hash matters more than resistance to crafted collisions (the input is the user's own).
#[derive(Default)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// The hasher of the macro table.
pub(crate) type FastHash = BuildHasherDefault<Fnv>;

/// A collected argument: text, or a builtin token from `defn`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ArgVal {
    Text(Vec<u8>),
    Func(Builtin),
}

impl ArgVal {
    /// The argument as text (a builtin token reads as nothing).
    pub fn text(&self) -> &[u8] {
        match self {
            ArgVal::Text(t) => t,
            ArgVal::Func(_) => b"",
        }
    }
}

/// A macro call whose arguments are being collected.
#[derive(Debug)]
struct Frame {
    name: Vec<u8>,
    def: Def,
    args: Vec<ArgVal>,
    cur: Vec<u8>,
    cur_spans: Spans,
    arg_spans: Vec<Spans>,
    cur_func: Option<Builtin>,
    paren: u32,
    skipping: bool,
    open: Pos,
    traced: bool,
}

/// Why the run stops early.
#[derive(Debug)]
pub(crate) enum Stop {
    /// `m4exit` or `-E -E`: exit with this status, dropping diversions.
    Exit(i32),
}

/// An output buffer: diversion 0 is standard output.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    pub buf: Vec<u8>,
    pub origins: Vec<Origin>,
}

/// The state of one run.
pub(crate) struct Expander<'a> {
    pub opts: &'a Options,
    pub loader: &'a dyn FileLoader,
    pub input: Input,
    pub defs: HashMap<Vec<u8>, Vec<Def>, FastHash>,
    frames: Vec<Frame>,
    pub names: Vec<String>,
    name_ids: HashMap<String, NameId>,
    pub expansions: Vec<Expansion>,
    exp_depth: Vec<u32>,
    pub sinks: BTreeMap<i32, Sink>,
    /// The current diversion; negative discards.
    pub diversion: i32,
    out_line: i64,
    start_of_output_line: bool,
    pub messages: String,
    diagnostics: Vec<Message>,
    pub exit_code: i32,
    pub m4exit: Option<(u32, u32, i32)>,
    pub wrapups: Vec<(Vec<u8>, NameId, u32)>,
    /// Names `ifdef` asked about.
    pub tested: std::collections::BTreeSet<Vec<u8>>,
    /// Names of traced macros (`traceon`).
    pub traced: HashSet<Vec<u8>, FastHash>,
    pub sysval: i32,
    /// Whether the `\0` replacement warning was given (GNU m4 gives it once).
    pub warned_zero: bool,
    /// Sources of the arguments of the call being made (index 0 is the name).
    pub call_spans: Vec<Spans>,
    /// Sources of the text a builtin returns, if it knows them (else: the call site).
    pub result_spans: Spans,
    total_bytes: usize,
    /// Bytes the expander held when last counted ([`Expander::held`]), and bytes it may
    /// have taken since (text produced, calls recorded).
    held: usize,
    unchecked: usize,
    /// Bytes the records of macro calls take (kept for the origins of the output).
    expansion_bytes: usize,
}

/// How many bytes may be taken between two counts of what the expander holds: counting
/// walks every definition and buffer, so it is not done for every token. What is held can
/// pass the memory limit by a small multiple of this (spans of text cost more than text).
const RECOUNT_BYTES: usize = 1 << 20;

/// What a source span of text costs.
const SPAN_BYTES: usize = std::mem::size_of::<(u32, Src)>();

/// What a definition holds.
fn def_bytes(def: &Def) -> usize {
    match def {
        Def::User { body, spans, .. } => body.len() + spans.len() * SPAN_BYTES,
        Def::Builtin(_) => 0,
    }
}

impl Frame {
    /// What the arguments collected so far hold.
    fn held(&self) -> usize {
        let args: usize = self.args.iter().map(|a| a.text().len()).sum();
        let spans: usize = self.arg_spans.iter().map(Vec::len).sum();
        args + self.cur.len() + (spans + self.cur_spans.len()) * SPAN_BYTES
    }
}

impl<'a> Expander<'a> {
    fn new(opts: &'a Options, loader: &'a dyn FileLoader) -> Expander<'a> {
        let mut e = Expander {
            opts,
            loader,
            input: Input::new(),
            defs: HashMap::default(),
            frames: Vec::new(),
            names: Vec::new(),
            name_ids: HashMap::new(),
            expansions: Vec::new(),
            exp_depth: Vec::new(),
            sinks: BTreeMap::new(),
            diversion: 0,
            out_line: 0,
            start_of_output_line: true,
            messages: String::new(),
            diagnostics: Vec::new(),
            exit_code: 0,
            m4exit: None,
            wrapups: Vec::new(),
            traced: Default::default(),
            tested: Default::default(),
            sysval: 0,
            warned_zero: false,
            call_spans: Vec::new(),
            result_spans: Spans::new(),
            total_bytes: 0,
            held: 0,
            unchecked: 0,
            expansion_bytes: 0,
        };
        e.intern("");
        for &b in Builtin::ALL {
            let name = if opts.prefix_builtins {
                format!("m4_{}", b.name())
            } else {
                b.name().to_string()
            };
            e.defs.insert(name.into_bytes(), vec![Def::Builtin(b)]);
        }
        // GNU m4 defines these two without the `-P` prefix.
        for name in ["__gnu__", "__unix__"] {
            e.defs.insert(
                name.as_bytes().to_vec(),
                vec![Def::User {
                    body: Rc::from(&b""[..]),
                    site: None,
                    spans: Rc::from(Vec::new()),
                }],
            );
        }
        e
    }

    /// The id of a file name, adding it on first use.
    pub fn intern(&mut self, name: &str) -> NameId {
        if let Some(&id) = self.name_ids.get(name) {
            return id;
        }
        let id = self.names.len() as NameId;
        self.names.push(name.to_string());
        self.name_ids.insert(name.to_string(), id);
        id
    }

    /// The current file name as GNU m4 reports it.
    pub fn cur_file(&self) -> &str {
        &self.names[self.input.cur_name as usize]
    }

    /// Writes a message at the current file and line.
    fn message(&mut self, severity: Severity, text: &str) {
        let (name, line) = (self.input.cur_name, self.input.cur_line);
        self.message_at(name, line, severity, text);
    }

    /// Writes a message in GNU m4's `m4:FILE:LINE: TEXT` form and records it as data.
    fn message_at(&mut self, name: NameId, line: u32, severity: Severity, text: &str) {
        let file = &self.names[name as usize];
        let prefix = if severity == Severity::Fatal {
            "ERROR: "
        } else {
            ""
        };
        if line == 0 && file.is_empty() {
            let _ = writeln!(self.messages, "m4: {prefix}{text}");
        } else {
            let _ = writeln!(self.messages, "m4:{file}:{line}: {prefix}{text}");
        }
        self.diagnostics.push(Message {
            severity,
            file: name,
            line,
            text: text.strip_prefix("Warning: ").unwrap_or(text).to_string(),
        });
    }

    /// A non-fatal error or warning; `-E` makes it change the exit status or stop the run.
    pub fn warn(&mut self, text: &str) -> Result<(), Stop> {
        self.message(Severity::Warning, text);
        match self.opts.fatal_warnings {
            0 => Ok(()),
            1 => {
                self.exit_code = 1;
                Ok(())
            }
            _ => Err(Stop::Exit(1)),
        }
    }

    /// An error that makes the exit status 1 but lets the run go on.
    pub fn error(&mut self, text: &str) {
        self.message(Severity::Error, text);
        self.exit_code = 1;
    }

    /// An error that ends the run with status 1, at a given place.
    pub(crate) fn fatal_at(&mut self, name: NameId, line: u32, text: &str) -> Stop {
        self.message_at(name, line, Severity::Fatal, text);
        Stop::Exit(1)
    }

    /// Counts bytes of text produced against the output (work) limit, and as taken.
    pub fn charge(&mut self, n: usize) -> Result<(), Stop> {
        self.total_bytes = self.total_bytes.saturating_add(n);
        if self.total_bytes > self.opts.max_output {
            let (name, line) = (self.input.cur_name, self.input.cur_line);
            let msg = format!(
                "output exceeds the limit of {} bytes{}",
                self.opts.max_output,
                self.chain_text(self.innermost_exp())
            );
            return Err(self.fatal_at(name, line, &msg));
        }
        self.take(n)
    }

    /// Notes that about `n` more bytes are (or are about to be) held; every
    /// [`RECOUNT_BYTES`], counts what is held against the memory limit.
    pub fn take(&mut self, n: usize) -> Result<(), Stop> {
        self.unchecked = self.unchecked.saturating_add(n);
        if self.unchecked < RECOUNT_BYTES {
            return Ok(());
        }
        self.unchecked = 0;
        self.held = self.held_now();
        let total = self.held.saturating_add(n);
        if total > self.opts.max_memory {
            return Err(self.over_memory(&format!("text held ({total} bytes)")));
        }
        Ok(())
    }

    /// What the expander holds: input and pushed-back text, arguments being collected,
    /// definitions, diversions (and the output), `m4wrap` text and the call records.
    fn held_now(&self) -> usize {
        let defs: usize = self
            .defs
            .iter()
            .map(|(name, stack)| name.len() + stack.iter().map(def_bytes).sum::<usize>())
            .sum();
        let frames: usize = self.frames.iter().map(Frame::held).sum();
        let sinks: usize = self
            .sinks
            .values()
            .map(|s| s.buf.len() + s.origins.len() * std::mem::size_of::<Origin>())
            .sum();
        let wrapups: usize = self.wrapups.iter().map(|w| w.0.len()).sum();
        self.input.held() + defs + frames + sinks + wrapups + self.expansion_bytes
    }

    /// Bytes that may still be taken before the memory limit (as last counted).
    pub fn memory_left(&self) -> usize {
        self.opts
            .max_memory
            .saturating_sub(self.held.saturating_add(self.unchecked))
    }

    /// Stops the run because `what` would pass the memory limit.
    pub fn over_memory(&mut self, what: &str) -> Stop {
        let (name, line) = (self.input.cur_name, self.input.cur_line);
        let msg = format!(
            "{what} exceeds the m4 memory limit of {} bytes{}",
            self.opts.max_memory,
            self.chain_text(self.innermost_exp())
        );
        self.fatal_at(name, line, &msg)
    }

    fn innermost_exp(&self) -> Option<ExpId> {
        self.frames
            .last()
            .map(|f| f.open.exp)
            .unwrap_or_else(|| self.expansions.len().checked_sub(1).map(|i| i as ExpId))
    }

    /// Describes a chain of calls, innermost first, for limit errors.
    fn chain_text(&self, mut exp: Option<ExpId>) -> String {
        let mut links = Vec::new();
        while let Some(id) = exp {
            let Some(e) = self.expansions.get(id as usize) else {
                break;
            };
            links.push(format!(
                "`{}' at {}:{}",
                e.name, self.names[e.call_file as usize], e.call_line
            ));
            exp = e.parent;
        }
        if links.is_empty() {
            return String::new();
        }
        let n = links.len();
        if n > 8 {
            let mut short: Vec<String> = links[..4].to_vec();
            short.push(format!("... {} more ...", n - 8));
            short.extend_from_slice(&links[n - 4..]);
            links = short;
        }
        format!("; expanding {}", links.join(" <- "))
    }

    /// Sends text to the argument being collected, or to the current diversion.
    fn ship(&mut self, text: &[u8], pos: Pos) -> Result<(), Stop> {
        if let Some(f) = self.frames.last_mut() {
            let (base, spans) = (f.cur.len() as u32, &mut f.cur_spans);
            self.input
                .token_spans(pos, text.len(), |k, src| push_span(spans, base + k, src));
            f.cur.extend_from_slice(text);
            return self.charge(text.len());
        }
        if self.diversion < 0 {
            return Ok(());
        }
        if self.input.file_popped {
            self.input.file_popped = false;
            self.out_line = -1;
        }
        self.charge(text.len())?;
        let mut directive = None;
        if self.opts.synclines && self.start_of_output_line {
            self.start_of_output_line = false;
            self.out_line += 1;
            if self.out_line != i64::from(pos.line) {
                let mut d = format!("#line {}", pos.line);
                let file = self.cur_file();
                if self.out_line < 1 && !file.is_empty() {
                    let _ = write!(d, " \"{file}\"");
                }
                d.push('\n');
                directive = Some(d);
                self.out_line = i64::from(pos.line);
            }
        }
        if self.opts.synclines {
            // Lines that start inside a token advance the count but are never checked.
            if let Some((&last, body)) = text.split_last() {
                self.out_line += body.iter().filter(|&&b| b == b'\n').count() as i64;
                self.start_of_output_line = last == b'\n';
            }
        }
        let sink = self.sinks.entry(self.diversion).or_default();
        if let Some(d) = directive {
            sink.buf.extend_from_slice(d.as_bytes());
        }
        let start = sink.buf.len() as u32;
        let origins = &mut sink.origins;
        self.input.token_spans(pos, text.len(), |k, src| {
            let same = origins
                .last()
                .is_some_and(|o| (o.file, o.line, o.expansion) == (src.name, src.line, pos.exp));
            if !same {
                origins.push(Origin {
                    start: start + k,
                    file: src.name,
                    line: src.line,
                    column: src.col,
                    expansion: pos.exp,
                });
            }
        });
        sink.buf.extend_from_slice(text);
        Ok(())
    }

    /// Resets the expected output line, as GNU m4 does when the output changes place.
    pub fn invalidate_line(&mut self) {
        self.out_line = -1;
    }

    /// Appends diversion `n` to the current output and empties it.
    pub fn insert_diversion(&mut self, n: i32) {
        let Some(src) = self.sinks.remove(&n) else {
            return;
        };
        if src.buf.is_empty() {
            return;
        }
        self.out_line = -1;
        if self.diversion < 0 {
            return;
        }
        let dst = self.sinks.entry(self.diversion).or_default();
        let base = dst.buf.len() as u32;
        dst.origins.extend(src.origins.into_iter().map(|o| Origin {
            start: o.start + base,
            ..o
        }));
        dst.buf.extend_from_slice(&src.buf);
    }

    /// Appends raw bytes (an undiverted file) to the current output.
    pub fn insert_raw(&mut self, bytes: &[u8]) -> Result<(), Stop> {
        if self.diversion < 0 || bytes.is_empty() {
            return Ok(());
        }
        self.charge(bytes.len())?;
        self.out_line = -1;
        self.sinks
            .entry(self.diversion)
            .or_default()
            .buf
            .extend_from_slice(bytes);
        Ok(())
    }

    /// Looks a file up as given, then in each `-I` directory; returns the name used. A
    /// file larger than what is left of the memory limit stops the run.
    pub fn find_file(&mut self, path: &str) -> Result<Option<(String, Vec<u8>)>, Stop> {
        let mut names = vec![path.to_string()];
        if !path.starts_with('/') && path != "-" {
            let dirs = self.opts.include_dirs.iter();
            names.extend(dirs.map(|dir| format!("{}/{}", dir.trim_end_matches('/'), path)));
        }
        for name in names {
            match self.loader.load_at_most(&name, self.memory_left()) {
                Ok(data) => return Ok(Some((name, data))),
                Err(LoadError::TooLarge) => {
                    return Err(self.over_memory(&format!("file `{name}'")));
                }
                Err(LoadError::Missing) => {}
            }
        }
        Ok(None)
    }

    /// Starts reading a file's text.
    pub fn push_file(&mut self, name: &str, data: Vec<u8>) -> Result<(), Stop> {
        self.take(data.len())?;
        let id = self.intern(name);
        self.input.push_file(id, Rc::from(data));
        self.out_line = -1;
        Ok(())
    }

    /// The definition a word names, if it is a macro.
    fn lookup(&self, word: &[u8]) -> Option<&Def> {
        self.defs.get(word).and_then(|v| v.last())
    }

    /// Reads and expands tokens until the input is exhausted.
    fn expand_input(&mut self) -> Result<(), Stop> {
        loop {
            let (kind, pos) = match self.input.next_token() {
                Ok(t) => t,
                Err(e) => return Err(self.lex_error(e)),
            };
            if self.input.depth() > self.opts.max_expansion_depth {
                let msg = format!(
                    "input nested too deeply{}",
                    self.chain_text(pos.exp.or(self.innermost_exp()))
                );
                return Err(self.fatal_at(pos.name, pos.line, &msg));
            }
            if kind == TokenKind::Eof {
                if let Some(f) = self.frames.last() {
                    let (name, line) = (f.open.name, f.open.line);
                    // GNU m4 names the line where the last argument began; the line of
                    // the call itself is more useful and is what we report.
                    return Err(self.fatal_at(name, line, "end of file in argument list"));
                }
                return Ok(());
            }
            if let Some(f) = self.frames.last_mut() {
                if f.skipping {
                    if kind == TokenKind::Simple && self.input.text[0].is_ascii_whitespace() {
                        continue;
                    }
                    f.skipping = false;
                }
                match kind {
                    TokenKind::Open => {
                        f.paren += 1;
                        let (base, spans) = (f.cur.len() as u32, &mut f.cur_spans);
                        self.input
                            .token_spans(pos, 1, |k, src| push_span(spans, base + k, src));
                        f.cur.push(b'(');
                        continue;
                    }
                    TokenKind::Comma if f.paren == 0 => {
                        finish_arg(f);
                        f.skipping = true;
                        continue;
                    }
                    TokenKind::Close if f.paren == 0 => {
                        finish_arg(f);
                        let frame = self.frames.pop().expect("a frame was just inspected");
                        self.call_spans = frame.arg_spans;
                        self.call(frame.name, frame.def, frame.args, frame.open, frame.traced)?;
                        continue;
                    }
                    TokenKind::Close => {
                        f.paren -= 1;
                        let (base, spans) = (f.cur.len() as u32, &mut f.cur_spans);
                        self.input
                            .token_spans(pos, 1, |k, src| push_span(spans, base + k, src));
                        f.cur.push(b')');
                        continue;
                    }
                    TokenKind::Func(b) => {
                        f.cur_func = Some(b);
                        continue;
                    }
                    _ => {}
                }
            }
            match kind {
                TokenKind::Word => self.word(pos)?,
                TokenKind::Func(_) => {}
                _ => {
                    let text = std::mem::take(&mut self.input.text);
                    let r = self.ship(&text, pos);
                    self.input.text = text;
                    r?
                }
            }
        }
    }

    fn lex_error(&mut self, e: LexError) -> Stop {
        match e {
            LexError::EofInString(p) => self.fatal_at(p.name, p.line, "end of file in string"),
            LexError::EofInComment(p) => self.fatal_at(p.name, p.line, "end of file in comment"),
        }
    }

    /// Handles a word: text, or a macro call (now, or once its arguments are read).
    fn word(&mut self, pos: Pos) -> Result<(), Stop> {
        let word = std::mem::take(&mut self.input.text);
        let def = match self.lookup(&word) {
            Some(Def::Builtin(b)) if b.blind() && self.input.peek() != Some(b'(') => None,
            d => d.cloned(),
        };
        let Some(def) = def else {
            let r = self.ship(&word, pos);
            self.input.text = word;
            return r;
        };
        // As GNU m4 does, whether a call is traced is decided when its name is read.
        let traced = !self.traced.is_empty() && self.traced.contains(&word);
        if self.input.peek() == Some(b'(') {
            if self.frames.len() >= self.opts.nesting_limit {
                let msg = format!(
                    "recursion limit of {} exceeded, use -L<N> to change it{}",
                    self.opts.nesting_limit,
                    self.chain_text(pos.exp)
                );
                return Err(self.fatal_at(pos.name, pos.line, &msg));
            }
            self.input.skip_byte();
            self.frames.push(Frame {
                args: vec![ArgVal::Text(word.clone())],
                name: word,
                def,
                cur: Vec::new(),
                cur_spans: Spans::new(),
                arg_spans: vec![Spans::new()],
                cur_func: None,
                paren: 0,
                skipping: true,
                open: pos,
                traced,
            });
            Ok(())
        } else {
            self.call_spans = vec![Spans::new()];
            self.call(word.clone(), def, vec![ArgVal::Text(word)], pos, traced)
        }
    }

    /// Calls a macro with its collected arguments (`args[0]` is its name) and pushes the
    /// expansion back onto the input.
    fn call(
        &mut self,
        name: Vec<u8>,
        def: Def,
        args: Vec<ArgVal>,
        open: Pos,
        traced: bool,
    ) -> Result<(), Stop> {
        let depth = open.exp.map_or(0, |p| self.exp_depth[p as usize]) + 1;
        let exp = self.expansions.len() as ExpId;
        self.expansions.push(Expansion {
            name: String::from_utf8_lossy(&name).into_owned(),
            call_file: open.name,
            call_line: open.line,
            call_column: if open.exp.is_none() { open.col + 1 } else { 0 },
            defined_at: match &def {
                Def::User { site, .. } => *site,
                Def::Builtin(_) => None,
            },
            parent: open.exp,
            args: args.len().saturating_sub(1) as u32,
            params: match &def {
                Def::User { body, .. } => highest_param(body),
                Def::Builtin(_) => 0,
            },
        });
        self.exp_depth.push(depth);
        if depth as usize > self.opts.max_expansion_depth {
            let msg = format!(
                "expansion nested too deeply ({} levels){}",
                depth,
                self.chain_text(Some(exp))
            );
            return Err(self.fatal_at(open.name, open.line, &msg));
        }
        let record = std::mem::size_of::<Expansion>() + std::mem::size_of::<u32>() + name.len();
        self.expansion_bytes += record;
        self.take(record)?;
        // A traced call is reported after it ran (after its warnings), as GNU m4 does.
        // GNU m4 reports and attributes everything a macro does to the line of its name.
        let saved = (self.input.cur_name, self.input.cur_line);
        self.input.cur_name = open.name;
        self.input.cur_line = open.line;
        self.result_spans.clear();
        let result = match def {
            Def::User { body, spans, .. } => {
                let call_spans = std::mem::take(&mut self.call_spans);
                let (text, spans) = self.substitute(&body, &spans, &args, &call_spans);
                self.result_spans = spans;
                Ok(text)
            }
            Def::Builtin(b) => self.builtin(b, &args),
        }
        .and_then(|text| self.charge(text.len()).map(|()| text));
        self.input.cur_name = saved.0;
        self.input.cur_line = saved.1;
        let text = result?;
        if traced {
            let _ = writeln!(
                self.messages,
                "m4trace: -{}- {}",
                self.frames.len() + 1,
                String::from_utf8_lossy(&name)
            );
        }
        let spans = std::mem::take(&mut self.result_spans);
        self.input
            .push_str_at(text, open.name, open.line, Some(exp), spans);
        Ok(())
    }

    /// Expands `$1`, `$#`, `$*`, `$@` in a user macro's body, with the sources of the
    /// result: literal text from the definition, arguments from where they were written.
    pub(crate) fn substitute(
        &self,
        body: &[u8],
        body_spans: &[(u32, Src)],
        args: &[ArgVal],
        arg_spans: &[Spans],
    ) -> (Vec<u8>, Spans) {
        let mut out = Vec::with_capacity(body.len());
        let mut spans = Spans::new();
        let mut lit = 0;
        let mut i = 0;
        while i < body.len() {
            let dollar = i;
            let c = body[i];
            i += 1;
            if c != b'$' || i >= body.len() {
                continue;
            }
            let special = body[i].is_ascii_digit() || matches!(body[i], b'#' | b'*' | b'@');
            if !special {
                continue;
            }
            append_slice(&mut spans, out.len(), body_spans, lit, dollar - lit);
            out.extend_from_slice(&body[lit..dollar]);
            let here = source_at(body_spans, dollar);
            let mark = |spans: &mut Spans, at: usize| {
                if let Some(src) = here {
                    push_span(spans, at as u32, src);
                }
            };
            match body[i] {
                b'#' => {
                    i += 1;
                    mark(&mut spans, out.len());
                    out.extend_from_slice((args.len() - 1).to_string().as_bytes());
                }
                b'*' | b'@' => {
                    let quoted = body[i] == b'@';
                    i += 1;
                    for (k, a) in args.iter().enumerate().skip(1) {
                        mark(&mut spans, out.len());
                        if k > 1 {
                            out.push(b',');
                        }
                        if quoted {
                            out.extend_from_slice(&self.input.quote.start);
                        }
                        append_spans(
                            &mut spans,
                            out.len(),
                            arg_spans.get(k).map_or(&[][..], |s| s),
                        );
                        out.extend_from_slice(a.text());
                        mark(&mut spans, out.len());
                        if quoted {
                            out.extend_from_slice(&self.input.quote.end);
                        }
                    }
                }
                _ => {
                    let mut n = 0usize;
                    while i < body.len() && body[i].is_ascii_digit() {
                        n = n
                            .saturating_mul(10)
                            .saturating_add((body[i] - b'0') as usize);
                        i += 1;
                    }
                    if let Some(a) = args.get(n) {
                        let from = arg_spans.get(n).map_or(&[][..], |s| s);
                        append_spans(&mut spans, out.len(), from);
                        out.extend_from_slice(a.text());
                    }
                }
            }
            lit = i;
        }
        append_slice(&mut spans, out.len(), body_spans, lit, body.len() - lit);
        out.extend_from_slice(&body[lit..]);
        (out, spans)
    }

    /// Writes arguments separated by commas, each quoted if asked.
    pub fn join_args(&self, out: &mut Vec<u8>, args: &[ArgVal], quoted: bool) {
        for (k, a) in args.iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            if quoted {
                self.quote_into(out, a.text());
            } else {
                out.extend_from_slice(a.text());
            }
        }
    }

    /// Writes text between the current quotes.
    pub fn quote_into(&self, out: &mut Vec<u8>, text: &[u8]) {
        out.extend_from_slice(&self.input.quote.start);
        out.extend_from_slice(text);
        out.extend_from_slice(&self.input.quote.end);
    }

    /// Runs the `m4wrap` texts once the input is done, as GNU m4 does.
    fn run_wrapups(&mut self) -> Result<(), Stop> {
        while !self.wrapups.is_empty() {
            let batch = std::mem::take(&mut self.wrapups);
            // GNU m4 1.4.19 reads the saved texts last-in, first-out.
            for (text, name, line) in batch {
                self.input.push_str_at(text, name, line, None, Spans::new());
            }
            self.expand_input()?;
        }
        Ok(())
    }

    fn run_args(&mut self, args: &[Arg]) -> Result<(), Stop> {
        let mut any_file = false;
        for arg in args {
            match arg {
                Arg::Define(name, value) => {
                    let def = Def::User {
                        body: Rc::from(value.as_bytes()),
                        site: None,
                        spans: Rc::from(Vec::new()),
                    };
                    self.set_def(name.as_bytes(), def, false);
                }
                Arg::Undefine(name) => {
                    self.defs.remove(name.as_bytes());
                }
                Arg::File(path) => {
                    any_file = true;
                    self.process_file(path)?;
                }
            }
        }
        if !any_file {
            self.process_file("-")?;
        }
        Ok(())
    }

    fn process_file(&mut self, path: &str) -> Result<(), Stop> {
        let found = self.find_file(path)?.map(|(name, d)| {
            let name = if path == "-" { "stdin".into() } else { name };
            (name, d)
        });
        match found {
            Some((name, data)) => {
                self.push_file(&name, data)?;
                self.expand_input()
            }
            None => {
                let msg = format!("cannot open `{path}': No such file or directory");
                self.message_at(0, 0, Severity::Error, &msg);
                self.exit_code = 1;
                Ok(())
            }
        }
    }

    /// Defines (or, with `push`, stacks) a macro.
    pub fn set_def(&mut self, name: &[u8], def: Def, push: bool) {
        let stack = self.defs.entry(name.to_vec()).or_default();
        if push || stack.is_empty() {
            stack.push(def);
        } else if let Some(top) = stack.last_mut() {
            *top = def;
        }
    }

    fn finish(mut self, stop: Option<Stop>) -> Expanded {
        if let Some(Stop::Exit(code)) = stop {
            self.exit_code = code;
        } else {
            let all: Vec<i32> = self.sinks.keys().copied().filter(|&n| n > 0).collect();
            self.diversion = 0;
            for n in all {
                self.insert_diversion(n);
            }
        }
        let main = self.sinks.remove(&0).unwrap_or_default();
        let mut definitions: Vec<Definition> = self
            .defs
            .iter()
            .filter_map(|(name, stack)| match stack.last()? {
                Def::User { site, .. } => Some(Definition {
                    name: String::from_utf8_lossy(name).into_owned(),
                    defined_at: *site,
                }),
                Def::Builtin(_) => None,
            })
            .collect();
        definitions.sort_by(|a, b| a.name.cmp(&b.name));
        Expanded {
            definitions,
            tested: (self.tested.iter())
                .map(|n| String::from_utf8_lossy(n).into_owned())
                .collect(),
            output: main.buf,
            origins: main.origins,
            expansions: self.expansions,
            files: self.names,
            messages: self.messages,
            diagnostics: self.diagnostics,
            exit_code: self.exit_code,
            m4exit: self.m4exit,
        }
    }
}

/// The highest `$N` (one or more digits) in a macro body; `$0` and `$#`, `$*`, `$@` count
/// as 0.
fn highest_param(body: &[u8]) -> u32 {
    let mut max = 0u32;
    let mut i = 0;
    while i < body.len() {
        i += 1;
        if body[i - 1] != b'$' {
            continue;
        }
        let mut n = 0u32;
        while i < body.len() && body[i].is_ascii_digit() {
            n = n
                .saturating_mul(10)
                .saturating_add(u32::from(body[i] - b'0'));
            i += 1;
        }
        max = max.max(n);
    }
    max
}

/// Ends the argument being collected.
fn finish_arg(f: &mut Frame) {
    f.arg_spans.push(std::mem::take(&mut f.cur_spans));
    let text = std::mem::take(&mut f.cur);
    let arg = match f.cur_func.take() {
        Some(b) if text.is_empty() => ArgVal::Func(b),
        _ => ArgVal::Text(text),
    };
    f.args.push(arg);
}

/// Runs GNU m4 over the operands; see [`super::expand`].
pub(crate) fn run(args: &[Arg], opts: &Options, loader: &dyn FileLoader) -> Expanded {
    let mut e = Expander::new(opts, loader);
    let stop = e.run_args(args).and_then(|_| e.run_wrapups()).err();
    e.finish(stop)
}
