//! A policy as a unit of work: a Xen policy tree (or one policy.conf) through
//! m4 → syntax → sema, with every diagnostic placed in the file the user wrote.
//!
//! `flaskc build`, `flaskc check` and the admin tools call this module; it prints
//! nothing and reads files only through a [`FileSystem`], so that an editor's unsaved
//! buffers can stand in for the disk. The command line keeps argument parsing, output
//! and exit codes.
//!
//! ```no_run
//! use flaskc::project::{self, fs::RealFs, Options};
//! use flaskc::policydb::Target;
//! let opts = Options::new(Target::Xen);
//! let outcome = project::build_tree("policy".as_ref(), &opts, &RealFs).unwrap();
//! print!("{}", flaskc::diag::render(&outcome.diagnostics, &outcome.map));
//! ```

pub mod config;
pub mod fs;
pub mod layout;
mod lower;
mod macros;
mod quotes;
mod remap;
pub mod symbols;

pub use config::TreeConfig;
pub use fs::FileSystem;
pub use layout::Layout;
pub use lower::choose_version;

use crate::diag::{suggest, Diagnostic, Severity};
use crate::m4;
use crate::policydb::{PolicyDb, Target};
use crate::sema;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::syntax::{self, ast};
use remap::FileIds;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// How a policy is compiled.
#[derive(Debug, Clone)]
pub struct Options {
    /// The semantic options (target, MLS, handle_unknown).
    pub sema: sema::Options,
    /// The policy version to write; `None` for the target's default.
    pub version: Option<u32>,
    /// Warnings checkpolicy also gives become errors (`-E`).
    pub werror: bool,
    /// Sort the object contexts (`-S`).
    pub sort_ocontexts: bool,
    /// Extra m4 definitions for a tree (`-D NAME=VALUE`).
    pub defines: Vec<(String, String)>,
    /// Check what the chosen version and Xen's loader can take, as a build that writes
    /// the binary must.
    pub for_writing: bool,
    /// Check the tree's isolation goals (`[[isolation]]` in `flaskc.toml`); the analysis
    /// commands turn this off to look at a tree that breaks them.
    pub isolation: bool,
    /// Keep an index of where each symbol and macro is declared ([`Outcome::symbols`]),
    /// which an editor needs and a build does not.
    pub index: bool,
    /// Keep the syntax tree of the compiled text ([`Outcome::syntax`]), for tools that
    /// trace rules back to their statements.
    pub keep_syntax: bool,
}

impl Options {
    /// The defaults for a target: its default version, no MLS, checked for writing.
    pub fn new(target: Target) -> Options {
        Options {
            sema: sema::Options {
                target,
                mls: false,
                handle_unknown: Default::default(),
            },
            version: None,
            werror: false,
            sort_ocontexts: false,
            defines: Vec::new(),
            for_writing: true,
            isolation: true,
            index: false,
            keep_syntax: false,
        }
    }
}

/// What a compile gave.
#[derive(Debug)]
pub struct Outcome {
    /// Every file the diagnostics point into.
    pub map: SourceMap,
    /// Every problem found, in the order found.
    pub diagnostics: Vec<Diagnostic>,
    /// The database, when nothing failed.
    pub db: Option<PolicyDb>,
    /// The policy version chosen.
    pub version: u32,
    /// For a tree, m4's output with the origin of every piece of it.
    pub expanded: Option<m4::Expanded>,
    /// With [`Options::index`], where each symbol and macro was declared (`None` when the
    /// text could not be parsed at all, as after an m4 failure).
    pub symbols: Option<symbols::Symbols>,
    /// With [`Options::keep_syntax`], the syntax tree of the compiled text (for a tree,
    /// of m4's output; `None` when the expansion failed).
    pub syntax: Option<ast::Policy>,
    /// The tree's `flaskc.toml` (the default for a lone policy.conf).
    pub config: TreeConfig,
    /// How long each stage took.
    pub timings: Timings,
}

/// How long each stage of a compile took, in the order they ran.
#[derive(Debug, Clone, Default)]
pub struct Timings(pub Vec<(&'static str, Duration)>);

impl Timings {
    /// Runs `f`, adding its time to `stage`.
    pub fn time<T>(&mut self, stage: &'static str, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        let took = start.elapsed();
        match self.0.iter_mut().find(|(s, _)| *s == stage) {
            Some((_, d)) => *d += took,
            None => self.0.push((stage, took)),
        }
        out
    }
}

impl Outcome {
    /// Whether the policy failed to compile.
    pub fn failed(&self) -> bool {
        self.db.is_none()
    }
}

/// A problem with the request rather than the policy (the command line reports these as
/// usage errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The policy version asked for cannot be written for the target.
    Version(String),
    /// The tree is not there.
    Missing(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Version(m) | Error::Missing(m) => f.write_str(m),
        }
    }
}

/// Compiles one policy.conf text.
///
/// # Errors
/// [`Error::Version`] when `opts.version` cannot be written for the target.
pub fn compile(name: String, text: String, opts: &Options) -> Result<Outcome, Error> {
    compile_file(SourceFile::new(name, text), opts)
}

/// Compiles one policy.conf file; a file that can be read again
/// ([`SourceFile::rereadable`]) does not keep its text while it is lowered.
///
/// # Errors
/// [`Error::Version`] when `opts.version` cannot be written for the target.
pub fn compile_file(source: SourceFile, opts: &Options) -> Result<Outcome, Error> {
    let version = choose_version(opts.sema.target, opts.version).map_err(Error::Version)?;
    let mut map = SourceMap::new();
    let file = map.add(source);
    let mut timings = Timings::default();
    let parsed = timings.time("parse", || syntax::parse(&mut map, file));
    Ok(compile_parsed(map, file, parsed, version, timings, opts))
}

/// Compiles a large policy.conf read in pieces ([`crate::io::TextPieces`]), never holding
/// its whole text; `source` is [`SourceFile::unread`]. `None` when the pieces cannot be
/// parsed alone (a piece could not be read, or the text has a syntax mistake): the caller
/// then reads the file whole and calls [`compile_file`], whose diagnostics are those of
/// one pass.
///
/// # Errors
/// [`Error::Version`] when `opts.version` cannot be written for the target.
pub fn compile_pieces(
    source: SourceFile,
    pieces: impl Iterator<Item = Option<String>>,
    opts: &Options,
) -> Result<Option<Outcome>, Error> {
    let version = choose_version(opts.sema.target, opts.version).map_err(Error::Version)?;
    let mut map = SourceMap::new();
    let file = map.add(source);
    let mut timings = Timings::default();
    let parsed = timings.time("parse", || syntax::parse_pieces(&mut map, file, pieces));
    Ok(parsed.map(|parsed| compile_parsed(map, file, parsed, version, timings, opts)))
}

/// The stages after parsing of [`compile_file`] and [`compile_pieces`].
fn compile_parsed(
    mut map: SourceMap,
    file: FileId,
    parsed: (ast::Policy, Vec<Diagnostic>),
    version: u32,
    mut timings: Timings,
    opts: &Options,
) -> Outcome {
    let checked = opts.for_writing.then_some(version);
    let (db, diagnostics, ast) = lower::lower(
        &mut map,
        file,
        parsed,
        opts,
        checked,
        &|d, _| d,
        &mut timings,
    );
    let syms = opts.index.then(|| {
        timings.time("index", || {
            symbols::index(&ast, &map, file, None, &|span, _| Some((file, span)))
        })
    });
    let mut outcome = finish(map, diagnostics, db, version, None, timings, opts);
    outcome.symbols = syms;
    outcome.syntax = opts.keep_syntax.then_some(ast);
    outcome
}

/// Builds the Xen policy tree at `dir`: its files in the order of Xen's Makefiles,
/// expanded by the built-in m4, compiled.
///
/// # Errors
/// [`Error::Missing`] when `dir` is not a directory, [`Error::Version`] for a version the
/// target cannot have. An invalid `flaskc.toml` is a `config` error of the outcome.
pub fn build_tree(dir: &Path, opts: &Options, fs: &dyn FileSystem) -> Result<Outcome, Error> {
    let mut timings = Timings::default();
    let start = Instant::now();
    if !fs.is_dir(dir) {
        return Err(Error::Missing(format!(
            "`{}` is not a directory",
            dir.display()
        )));
    }
    let version = choose_version(opts.sema.target, opts.version).map_err(Error::Version)?;
    let cfg = match config::read(dir, fs) {
        Ok(cfg) => cfg,
        Err(e) => {
            let problem = layout::Problem {
                code: "config",
                message: format!("invalid `flaskc.toml`: {}", e.message),
                asked_at: e.line.map(|l| ("flaskc.toml".to_string(), l)),
                label: "here",
                help: None,
            };
            let mut map = SourceMap::new();
            let diags = layout_diagnostics(&[problem], Severity::Error, dir, &mut map, fs);
            return Ok(finish(map, diags, None, version, None, timings, opts));
        }
    };
    let lay = layout::layout(dir, &cfg, fs);
    timings.0.push(("layout", start.elapsed()));
    if !lay.problems.is_empty() {
        let mut map = SourceMap::new();
        let diags = layout_diagnostics(&lay.problems, Severity::Error, dir, &mut map, fs);
        let mut outcome = finish(map, diags, None, version, None, timings, opts);
        outcome.config = cfg;
        return Ok(outcome);
    }
    let Expansion {
        expanded,
        mut map,
        ids,
    } = timings.time("m4", || {
        expand_tree(dir, &lay, opts.sema.mls, &opts.defines, fs)
    });
    let mut diags = layout_diagnostics(&lay.warnings, Severity::Warning, dir, &mut map, fs);
    diags.extend(unused_defines(&opts.defines, &expanded, &map));
    diags.extend(macros::comment_quote_warnings(&map, &ids));
    diags.extend(remap::m4_diagnostics(&expanded, &map, &ids));
    if expanded.exit_code != 0 && !diags.iter().any(Diagnostic::is_error) {
        diags.push(Diagnostic::error(
            "m4-failed",
            format!("the macro expansion failed (status {})", expanded.exit_code),
        ));
    }
    if diags.iter().any(Diagnostic::is_error) {
        let mut outcome = finish(map, diags, None, version, Some(expanded), timings, opts);
        outcome.config = cfg;
        return Ok(outcome);
    }
    let conf = map.add(SourceFile::new("policy.conf", expanded.text().into_owned()));
    let remap = |diags: Vec<Diagnostic>, map: &SourceMap| {
        macros::explain_calls(diags, conf, &expanded, map, &ids)
            .into_iter()
            .map(|d| remap::remap_diagnostic(d, conf, &expanded, map, &ids))
            .collect()
    };
    let checked = opts.for_writing.then_some(version);
    let parsed = timings.time("parse", || syntax::parse(&mut map, conf));
    let (db, lowered, ast) =
        lower::lower(&mut map, conf, parsed, opts, checked, &remap, &mut timings);
    diags.extend(lowered);
    if let Some(db) = db
        .as_ref()
        .filter(|_| opts.isolation && !cfg.isolation.is_empty())
    {
        let found = timings.time("isolation", || isolation(db, &cfg, &ast, conf));
        diags.extend(remap(found, &map));
    }
    let syms = opts.index.then(|| {
        let place = |span: Span, name: &str| {
            let origin = expanded.origin_at(span.start as usize)?;
            let file = *ids.get(expanded.file_name(origin.file))?;
            let at = remap::locate(map.file(file), origin.line, origin.column, name);
            Some((file, at))
        };
        timings.time("index", || {
            symbols::index(&ast, &map, conf, Some(conf), &place)
        })
    });
    macros::blame_comment_quotes(&mut diags, &map);
    let mut outcome = finish(map, diags, db, version, Some(expanded), timings, opts);
    outcome.symbols = syms;
    outcome.syntax = opts.keep_syntax.then_some(ast);
    outcome.config = cfg;
    Ok(outcome)
}

/// The tree's isolation goals checked against its compiled policy, each rule of a
/// path labelled at its statement in the expanded text.
fn isolation(
    db: &PolicyDb,
    cfg: &TreeConfig,
    ast: &crate::syntax::ast::Policy,
    conf: FileId,
) -> Vec<Diagnostic> {
    use crate::analysis::{isolation, permmap};
    let locate = |r: &crate::query::search::Rule| {
        isolation::locate_rule(ast, r)
            .into_iter()
            .map(|span| (conf, span))
            .collect()
    };
    isolation::check(db, &permmap::xen(), &cfg.isolation, &locate)
}

/// Applies `-E` and keeps the database only when nothing is an error.
fn finish(
    map: SourceMap,
    mut diagnostics: Vec<Diagnostic>,
    db: Option<PolicyDb>,
    version: u32,
    expanded: Option<m4::Expanded>,
    timings: Timings,
    opts: &Options,
) -> Outcome {
    if opts.werror {
        lower::promote_warnings(&mut diagnostics);
    }
    let db = db.filter(|_| !diagnostics.iter().any(Diagnostic::is_error));
    Outcome {
        map,
        diagnostics,
        db,
        version,
        expanded,
        timings,
        symbols: None,
        syntax: None,
        config: TreeConfig::default(),
    }
}

/// The target and MLS-ness a policy.conf's statements imply: Xen or SELinux object
/// contexts, and `sensitivity` declarations.
pub fn infer_target(text: &str) -> (Target, bool) {
    use crate::syntax::lexer::{tokens, Token as T};
    let mut target = Target::Xen;
    let mut mls = false;
    for (_, t, _) in tokens(text).flatten() {
        match t {
            T::Sensitivity => mls = true,
            T::Portcon
            | T::Netifcon
            | T::Nodecon
            | T::Genfscon
            | T::FsUseXattr
            | T::FsUseTask
            | T::FsUseTrans
            | T::Fscon
            | T::Ibpkeycon
            | T::Ibendportcon => target = Target::Selinux,
            _ => {}
        }
    }
    (target, mls)
}

/// The layout's problems as diagnostics of one severity (errors for missing files,
/// warnings for what Xen's Makefiles would leave out), each at the line that shows it.
fn layout_diagnostics(
    problems: &[layout::Problem],
    severity: Severity,
    dir: &Path,
    map: &mut SourceMap,
    fs: &dyn FileSystem,
) -> Vec<Diagnostic> {
    (problems.iter())
        .map(|p| {
            let d = Diagnostic {
                severity,
                ..Diagnostic::error(p.code, p.message.clone())
            };
            tree_diagnostic(d, p, dir, map, fs)
        })
        .collect()
}

/// A layout problem as a diagnostic, labelled at the line that shows it.
fn tree_diagnostic(
    mut d: Diagnostic,
    p: &layout::Problem,
    dir: &Path,
    map: &mut SourceMap,
    fs: &dyn FileSystem,
) -> Diagnostic {
    let known =
        |map: &SourceMap, f: &str| map.files().find(|(_, sf)| sf.name == f).map(|(id, _)| id);
    let asked = p.asked_at.as_ref().and_then(|(f, line)| {
        let id = match known(map, &shown(dir, f)) {
            Some(id) => id,
            None => map.add(SourceFile::new(shown(dir, f), fs.read_text(&dir.join(f))?)),
        };
        Some((id, *line))
    });
    match asked {
        Some((file, line)) => {
            let f = map.file(file);
            let r = f.line_range((line as usize - 1).min(f.line_starts().len() - 1));
            d = d.primary(file, Span::new(r.start, r.end), p.label);
        }
        None => d = d.note(format!("in the policy tree {}", dir.display())),
    }
    if let Some(help) = &p.help {
        d = d.note(help.clone());
    }
    d
}

/// A warning for each `-D NAME=VALUE` whose name no file of the tree mentions, with the
/// closest name that `ifdef` tested or that a file defined.
fn unused_defines(
    defines: &[(String, String)],
    expanded: &m4::Expanded,
    map: &SourceMap,
) -> Vec<Diagnostic> {
    let mentions = |name: &str| {
        map.files().any(|(_, f)| {
            f.text().match_indices(name).any(|(at, _)| {
                let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
                !f.text()[..at].ends_with(is_name)
                    && !f.text()[at + name.len()..].starts_with(is_name)
            })
        })
    };
    let mut tested: Vec<&str> = (expanded.tested.iter())
        .chain(expanded.definitions.iter().map(|d| &d.name))
        .map(String::as_str)
        .collect();
    tested.sort_unstable();
    tested.dedup();
    let mut out = Vec::new();
    for (name, value) in defines {
        if mentions(name) || expanded.tested.contains(name) {
            continue;
        }
        let mut d = Diagnostic::warning(
            "unused-define",
            format!("`-D {name}={value}` is not used by any file of the policy tree"),
        );
        match suggest::closest(name, tested.iter().copied()) {
            Some(close) => d = d.note(suggest::did_you_mean(close)),
            None => d = d.note("no file mentions the name; the definition has no effect"),
        }
        out.push(d);
    }
    out
}

/// m4's output for a tree, with the files it read added to a source map.
pub struct Expansion {
    /// The expansion.
    pub expanded: m4::Expanded,
    /// Every file m4 read, by the name m4 knows it by.
    pub map: SourceMap,
    /// The ids of those files in `map`.
    pub(crate) ids: FileIds,
}

/// Expands a tree's files as Xen's Makefiles do (`self_contained_policy`, 16
/// sensitivities, 256 categories, `enable_mls` for MLS), with extra `defines`.
pub fn expand_tree(
    dir: &Path,
    lay: &Layout,
    mls: bool,
    defines: &[(String, String)],
    fs: &dyn FileSystem,
) -> Expansion {
    let mut args = vec![
        m4::Arg::Define("self_contained_policy".into(), String::new()),
        m4::Arg::Define("mls_num_sens".into(), "16".into()),
        m4::Arg::Define("mls_num_cats".into(), "256".into()),
    ];
    if mls {
        args.push(m4::Arg::Define("enable_mls".into(), String::new()));
    }
    for (k, v) in defines {
        args.push(m4::Arg::Define(k.clone(), v.clone()));
    }
    let files: Vec<String> = lay.files.iter().map(|f| shown(dir, f)).collect();
    args.extend(files.iter().map(|f| m4::Arg::File(f.clone())));
    let loader = Loader {
        dir,
        files: &files,
        fs,
        seen: Default::default(),
    };
    let expanded = m4::expand(&args, &m4::Options::default(), &loader);
    let mut map = SourceMap::new();
    let mut ids: HashMap<String, FileId> = HashMap::new();
    let mut seen: Vec<(String, String)> = loader.seen.into_inner().into_iter().collect();
    seen.sort();
    for (name, text) in seen {
        ids.insert(name.clone(), map.add(SourceFile::new(name, text)));
    }
    Expansion { expanded, map, ids }
}

/// A tree's file as the user sees it: relative to the working directory when the tree
/// was given as a relative path, so that messages name paths the user can open.
fn shown(dir: &Path, file: &str) -> String {
    if dir.as_os_str().is_empty() || dir == Path::new(".") {
        file.to_string()
    } else {
        dir.join(file).display().to_string()
    }
}

/// Reads a tree's files for m4 through the file system, keeping their text for
/// diagnostics. The layout's files come by their shown names; anything else m4 asks for
/// (an `include`) is relative to the tree, where Xen's Makefiles run m4.
struct Loader<'a> {
    dir: &'a Path,
    files: &'a [String],
    fs: &'a dyn FileSystem,
    seen: RefCell<HashMap<String, String>>,
}

impl m4::FileLoader for Loader<'_> {
    fn load(&self, path: &str) -> Option<Vec<u8>> {
        self.load_at_most(path, usize::MAX).ok()
    }

    fn load_at_most(&self, path: &str, limit: usize) -> Result<Vec<u8>, m4::LoadError> {
        let bytes = if self.files.iter().any(|f| f == path) {
            self.fs.read(Path::new(path), limit)?
        } else {
            self.fs.read(&self.dir.join(path), limit)?
        };
        self.seen.borrow_mut().insert(
            path.to_string(),
            String::from_utf8_lossy(&bytes).into_owned(),
        );
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn bundled() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("policy")
    }

    #[test]
    fn the_bundled_tree_builds_clean() {
        let outcome = build_tree(&bundled(), &Options::new(Target::Xen), &fs::RealFs).unwrap();
        assert!(outcome.diagnostics.is_empty(), "{:?}", outcome.diagnostics);
        assert!(outcome.db.is_some());
        assert_eq!(outcome.version, 30);
    }

    #[test]
    fn an_unsaved_buffer_is_built_and_its_mistake_placed_in_it() {
        let te = bundled().join("modules/domU.te");
        let text = std::fs::read_to_string(&te).unwrap() + "allow domU_t vualt_t:domain pause;\n";
        let mut overlay = fs::Overlay::default();
        overlay.set(te, text);
        let outcome = build_tree(&bundled(), &Options::new(Target::Xen), &overlay).unwrap();
        assert!(outcome.failed());
        let d = outcome.diagnostics.iter().find(|d| d.is_error()).unwrap();
        let label = &d.labels[0];
        let file = outcome.map.file(label.file);
        assert!(
            file.name.ends_with("policy/modules/domU.te"),
            "{}",
            file.name
        );
        assert_eq!(&file.text()[label.span.range()], "vualt_t");
    }

    #[test]
    fn a_bad_version_is_a_request_error() {
        let mut opts = Options::new(Target::Xen);
        opts.version = Some(28);
        assert!(matches!(
            compile("p.conf".into(), String::new(), &opts),
            Err(Error::Version(_))
        ));
    }
}
