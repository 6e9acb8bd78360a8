//! A GNU m4 1.4.19-compatible macro processor: files in, text and expansion origins out.
//!
//! This is the first stage of the pipeline: Xen's policy build runs `m4 -s` over the policy
//! sources to make `policy.conf`. [`expand`] does the same work with output that is byte
//! for byte GNU m4's (including the `#line` directives of `-s`), and it also records where
//! each range of the output came from ([`Origin`], [`Expansion`]) so that later stages can
//! report an error at the original `.te`/`.if` line, through the chain of macro calls.
//! Warnings and errors come both as GNU m4's text and as data ([`Message`]).
//!
//! # API structure
//! - [`Options`] holds the flags that change the language (`-s`, `-P`, `-I`, `-E`, limits).
//! - [`Arg`]s are the `-D`, `-U` and file operands in command-line order; GNU m4 handles
//!   them in that order, so a `-D` after a file does not affect that file.
//! - [`FileLoader`] is the only way the expander touches the world: it reads input and
//!   included files (and, if allowed, runs shell commands). The expander does no I/O.
//! - [`Expanded`] is the result: standard output bytes, standard error text (GNU m4's
//!   messages, in its format), the exit status GNU m4 would give, and the origins.
//!
//! ```
//! use flaskc::m4::{expand, Arg, Options, FileLoader};
//! struct Files;
//! impl FileLoader for Files {
//!     fn load(&self, path: &str) -> Option<Vec<u8>> {
//!         (path == "a.m4").then(|| b"define(`x', `hello')x world\n".to_vec())
//!     }
//! }
//! let out = expand(&[Arg::File("a.m4".into())], &Options::default(), &Files);
//! assert_eq!(out.output, b"hello world\n");
//! assert_eq!(out.exit_code, 0);
//! ```
//!
//! **Invariant:** no input makes the expander panic, recurse on the native stack or
//! allocate without bound: every limit is in [`limits`] (some adjustable in [`Options`]),
//! and reaching one ends the run with an error that names it and shows the chain of
//! macro calls.

mod builtins;
mod eval;
mod expand;
mod format;
mod lexer;
pub mod limits;
mod regex;

/// Flags that change how the input is expanded, mirroring GNU m4's options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `-s`: write `#line N "FILE"` directives so the output can be traced to its source.
    pub synclines: bool,
    /// `-P`: builtins are named `m4_define`, `m4_ifdef`... so plain words never expand.
    pub prefix_builtins: bool,
    /// `-I DIR`: directories searched, in order, for files not found as given.
    pub include_dirs: Vec<String>,
    /// `--allow-shell`: let `syscmd`/`esyscmd` run commands (through the [`FileLoader`]).
    pub allow_shell: bool,
    /// `-E` given this many times: once, warnings make the exit status 1; twice or more,
    /// the first warning stops the run.
    pub fatal_warnings: u8,
    /// `-L`: how deeply macro calls may nest inside arguments (GNU m4 1.4.19 defaults to
    /// unlimited and overflows its stack instead; [`limits::NESTING_LIMIT`]).
    pub nesting_limit: usize,
    /// How long a chain of expansions may grow (a macro whose expansion calls a macro whose
    /// expansion calls ...); this is what stops `define(a, a)a`.
    pub max_expansion_depth: usize,
    /// Bytes of text the run may produce in all, kept or not: a bound on work.
    pub max_output: usize,
    /// Bytes the expander may hold at once: a bound on memory.
    pub max_memory: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            synclines: false,
            prefix_builtins: false,
            include_dirs: Vec::new(),
            allow_shell: false,
            fatal_warnings: 0,
            nesting_limit: limits::NESTING_LIMIT,
            max_expansion_depth: limits::EXPANSION_DEPTH,
            max_output: limits::OUTPUT_LIMIT,
            max_memory: limits::MEMORY_LIMIT,
        }
    }
}

/// A command-line operand, in the order it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// `-D NAME[=VALUE]`: define a macro as text.
    Define(String, String),
    /// `-U NAME`: remove a macro (usually a builtin).
    Undefine(String),
    /// An input file; `-` is standard input, reported as `stdin` like GNU m4 does.
    File(String),
}

/// Supplies file contents (and optionally shell commands) to the expander, which does no
/// I/O itself; the CLI reads the file system, tests and fuzzers serve texts from memory.
pub trait FileLoader {
    /// The bytes of the file at `path` (relative to the working directory, or absolute;
    /// `-` is standard input), or `None` if it cannot be read.
    fn load(&self, path: &str) -> Option<Vec<u8>>;

    /// [`FileLoader::load`], refusing a file of more than `limit` bytes. The expander
    /// reads through this, with what is left of the memory limit. The default loads the
    /// whole file first, which is fine for texts in memory; a loader of real files should
    /// stop reading at `limit` (as `io::read_for_m4` does) so that `include(/dev/zero)`
    /// stops there.
    fn load_at_most(&self, path: &str, limit: usize) -> Result<Vec<u8>, LoadError> {
        let data = self.load(path).ok_or(LoadError::Missing)?;
        if data.len() > limit {
            return Err(LoadError::TooLarge);
        }
        Ok(data)
    }

    /// Runs a shell command for `syscmd`/`esyscmd` and returns its standard output and exit
    /// status; only asked when [`Options::allow_shell`] is set. The default refuses.
    fn run_shell(&self, _command: &str) -> Option<(Vec<u8>, i32)> {
        None
    }
}

/// Why [`FileLoader::load_at_most`] gave no text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadError {
    /// It cannot be read (GNU m4 says "No such file or directory").
    Missing,
    /// It holds more than the limit asked for (a device such as `/dev/zero`, a huge file).
    TooLarge,
}

/// Where a range of the output came from.
///
/// Ranges run from `start` to the next origin's `start` (or the end of the output).
/// `file:line:column` is where the characters were written: in the input file for text
/// copied straight through, in the `define` for text from a macro's body, and where the
/// argument was written for text that came in through `$1` and friends (so a block inside
/// `ifdef(..., `...')` keeps its own lines, which GNU m4's `#line` directives lose). Text
/// a builtin computed (`eval`, `translit` ...) is placed at the call, with `column` 0.
/// `expansion` leads to the chain of macro calls that produced the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// Byte offset in [`Expanded::output`] where this range starts.
    pub start: u32,
    /// Index into [`Expanded::files`].
    pub file: u32,
    /// 1-based line.
    pub line: u32,
    /// 1-based column in bytes, or 0 when only the line is known.
    pub column: u32,
    /// The innermost macro call that produced the text (index into
    /// [`Expanded::expansions`]), if it did not come straight from a file.
    pub expansion: Option<u32>,
}

/// One macro call: what was called, from where, and where the macro was defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expansion {
    /// The macro's name.
    pub name: String,
    /// Index into [`Expanded::files`] of the file the call is attributed to.
    pub call_file: u32,
    /// 1-based line of the call (its name).
    pub call_line: u32,
    /// 1-based column of the call when it was read from a file, 0 inside other expansions.
    pub call_column: u32,
    /// The file and line of the `define` that made the macro; `None` for builtins and
    /// `-D` definitions.
    pub defined_at: Option<(u32, u32)>,
    /// The call whose expansion contained this call, if any.
    pub parent: Option<u32>,
    /// How many arguments the call passed (a call without parentheses passes none).
    pub args: u32,
    /// The highest `$N` the macro's body refers to (0 for builtins), so a caller can tell
    /// a call that passed too few arguments; `$*`, `$@` and `$#` do not count.
    pub params: u32,
}

/// A macro defined when the run ended: what a caller can suggest for a misspelled one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// The macro's name.
    pub name: String,
    /// The file (index into [`Expanded::files`]) and line of its `define`; `None` for
    /// `-D` definitions.
    pub defined_at: Option<(u32, u32)>,
}

/// How serious a [`Message`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Reported; the exit status changes only under `-E`.
    Warning,
    /// Reported, and the exit status becomes 1 (e.g. an include that cannot be read).
    Error,
    /// The run stopped here (end of file inside a call, string or comment; a limit).
    Fatal,
}

/// A warning or error as data, for callers that render diagnostics themselves; the same
/// message is in [`Expanded::messages`] in GNU m4's words and format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// How serious it is.
    pub severity: Severity,
    /// Index into [`Expanded::files`] (0, the empty name, when no file applies).
    pub file: u32,
    /// 1-based line, or 0 when no line applies. For an unterminated macro call this is the
    /// line where the call opened; for an unterminated string or comment, where it began.
    pub line: u32,
    /// The message without GNU m4's `Warning: `/`ERROR: ` prefix.
    pub text: String,
}

impl Message {
    /// The diagnostic code of the message (see `diag::codes`), from its text.
    pub fn code(&self) -> &'static str {
        let t = self.text.as_str();
        let has = |s: &str| t.contains(s);
        if t == "end of file in string" {
            "m4-unterminated-string"
        } else if t == "end of file in comment" {
            "m4-unterminated-comment"
        } else if t == "end of file in argument list" {
            "m4-unterminated-call"
        } else if t.starts_with("cannot open `") {
            "m4-missing-file"
        } else if has("limit") || has("nested too deeply") {
            "m4-limit"
        } else if has(" in eval") {
            "m4-eval"
        } else if has("arguments to builtin") {
            "m4-argument-count"
        } else if has("in builtin `") || has("non-numeric argument") {
            "m4-bad-number"
        } else if t.starts_with("undefined macro") || t.starts_with("undefined builtin") {
            "m4-undefined-macro"
        } else if has("regular expression") || has("in replacement") || has("sub-expression") {
            "m4-regex"
        } else if self.severity == Severity::Warning {
            "m4-warning"
        } else {
            "m4-error"
        }
    }
}

/// The result of a run: what GNU m4 would write to stdout and stderr, and its exit status.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expanded {
    /// Standard output, byte for byte.
    pub output: Vec<u8>,
    /// Origins of output ranges, sorted by `start`.
    pub origins: Vec<Origin>,
    /// Macro calls referred to by origins (and by each other through `parent`).
    pub expansions: Vec<Expansion>,
    /// File names referred to by origins and expansions (as GNU m4 names them).
    pub files: Vec<String>,
    /// Standard error: warnings, errors, `errprint`, `dumpdef` and trace output.
    pub messages: String,
    /// The warnings and errors among `messages`, as data.
    pub diagnostics: Vec<Message>,
    /// The exit status GNU m4 would return.
    pub exit_code: i32,
    /// The user-defined macros at the end of the run, sorted by name.
    pub definitions: Vec<Definition>,
    /// The names `ifdef` asked about, sorted: the macros a `-D` may usefully define.
    pub tested: Vec<String>,
    /// Where `m4exit` stopped the run, if it did: file index, line, and the status asked
    /// for. GNU m4 exits then without a message (and without the diversions), so a caller
    /// that is not `m4` itself should say why it stopped.
    pub m4exit: Option<(u32, u32, i32)>,
}

impl Expanded {
    /// The output as text (invalid UTF-8 replaced), for the parser.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.output)
    }

    /// The origin of the output byte at `offset`.
    pub fn origin_at(&self, offset: usize) -> Option<&Origin> {
        let i = self.origins.partition_point(|o| o.start as usize <= offset);
        self.origins.get(i.checked_sub(1)?)
    }

    /// The chain of calls that produced an origin's text, innermost first.
    pub fn chain(&self, origin: &Origin) -> impl Iterator<Item = &Expansion> {
        let mut next = origin.expansion;
        std::iter::from_fn(move || {
            let e = self.expansions.get(next? as usize)?;
            next = e.parent;
            Some(e)
        })
    }

    /// The name of a file index used by origins and expansions.
    pub fn file_name(&self, file: u32) -> &str {
        self.files.get(file as usize).map_or("", |s| s.as_str())
    }
}

/// Expands the operands as `m4 [options] ARGS...` would, with files read through `loader`.
///
/// With no [`Arg::File`] among `args`, standard input (`-`) is read, as GNU m4 does.
pub fn expand(args: &[Arg], opts: &Options, loader: &dyn FileLoader) -> Expanded {
    expand::run(args, opts, loader)
}
