//! `flaskc build`: a Xen policy source tree to a binary policy in one process.
//!
//! The tree is laid out as Xen's `tools/flask/policy` (4.8 and later: `modules/modules.conf`)
//! or as Xen 4.2–4.7's (`policy/modules.conf`, `policy/modules/*/`); the files are put in
//! the order of Xen's Makefiles, expanded by the built-in m4, compiled, and written
//! atomically. Diagnostics about the expanded text are moved back to the original files
//! through the m4 origins, with a note per macro expansion on the way.

use super::compile::{self, Request};
use crate::diag::{Diagnostic, Label};
use crate::m4;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use clap::Args;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where the hypervisor's class definitions live, relative to a Xen tree's
/// `tools/flask/policy` (Xen's `FLASKDIR`).
const XEN_FLASKDIR: &str = "../../../xen/xsm/flask/policy";

/// The files of a tree in build order, relative to its directory, and what went wrong
/// finding them (with the `modules.conf` line that asked for a missing module).
#[derive(Debug, Default)]
pub(crate) struct Layout {
    pub files: Vec<String>,
    pub problems: Vec<(String, Option<(String, u32)>)>,
}

/// The settings of a tree's `flaskc.toml` (all optional).
#[derive(Debug, Default, Clone)]
pub(crate) struct TreeConfig {
    /// Where the hypervisor's `security_classes`, `initial_sids`, `access_vectors` are.
    pub hypervisor_policy: Option<String>,
    /// The default output file.
    pub output: Option<String>,
}

/// Reads `flaskc.toml` if present.
pub(crate) fn tree_config(dir: &Path) -> Result<TreeConfig, String> {
    let path = dir.join("flaskc.toml");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(TreeConfig::default());
    };
    let table: toml::Table = text
        .parse()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let get = |k: &str| -> Result<Option<String>, String> {
        match table.get(k) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("{}: `{k}` must be a string", path.display())),
        }
    };
    for k in table.keys() {
        if !matches!(k.as_str(), "hypervisor_policy" | "output") {
            return Err(format!("{}: unknown key `{k}`", path.display()));
        }
    }
    Ok(TreeConfig {
        hypervisor_policy: get("hypervisor_policy")?,
        output: get("output")?,
    })
}

/// Module names switched on in a `modules.conf` (`name = on`), in file order, with their
/// 1-based lines.
fn enabled_modules(text: &str) -> Vec<(String, u32)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let l = l.trim_start();
            if !l.starts_with(|c: char| c.is_ascii_lowercase()) {
                return None;
            }
            let words: Vec<&str> = l.split_whitespace().collect();
            (words.get(2) == Some(&"on")).then(|| (words[0].to_string(), i as u32 + 1))
        })
        .collect()
}

/// The files Xen's Makefiles feed to m4, in their order.
pub(crate) fn layout(dir: &Path, cfg: &TreeConfig) -> Layout {
    let mut l = Layout::default();
    let exists = |p: &str| dir.join(p).is_file();
    let flask = cfg
        .hypervisor_policy
        .clone()
        .unwrap_or_else(|| XEN_FLASKDIR.to_string());
    let support: Vec<String> = {
        let mut v: Vec<String> = std::fs::read_dir(dir.join("policy/support"))
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".spt"))
                    .map(|n| format!("policy/support/{n}"))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    let require = |l: &mut Layout, p: String| {
        if !dir.join(&p).is_file() {
            l.problems.push((format!("missing file `{p}`"), None));
        }
        l.files.push(p);
    };
    if let Ok(conf) = std::fs::read_to_string(dir.join("modules/modules.conf")) {
        // Xen 4.8 and later (Makefile.common).
        let mods = enabled_modules(&conf);
        require(&mut l, format!("{flask}/security_classes"));
        require(&mut l, "policy/security_classes".into());
        require(&mut l, format!("{flask}/initial_sids"));
        require(&mut l, format!("{flask}/access_vectors"));
        require(&mut l, "policy/access_vectors".into());
        l.files.extend(support);
        require(&mut l, "policy/mls".into());
        for (m, _) in &mods {
            let f = format!("modules/{m}.if");
            if exists(&f) {
                l.files.push(f);
            }
        }
        require(&mut l, "policy/global_tunables".into());
        for (m, line) in &mods {
            let f = format!("modules/{m}.te");
            if !exists(&f) {
                l.problems.push((
                    format!("module `{m}` is enabled but `{f}` does not exist"),
                    Some(("modules/modules.conf".into(), *line)),
                ));
            }
            l.files.push(f);
        }
        require(&mut l, "policy/users".into());
        for (m, _) in &mods {
            let f = format!("modules/{m}.cons");
            if exists(&f) {
                l.files.push(f);
            }
        }
        require(&mut l, "policy/initial_sids".into());
        require(&mut l, "policy/device_contexts".into());
    } else if let Ok(conf) = std::fs::read_to_string(dir.join("policy/modules.conf")) {
        // Xen 4.2 to 4.7: modules found under policy/modules/*/, enabled by modules.conf.
        let on = enabled_modules(&conf);
        let mut found: Vec<String> = Vec::new();
        if let Ok(rd) = std::fs::read_dir(dir.join("policy/modules")) {
            for sub in rd.filter_map(|e| e.ok()) {
                if let Ok(rd2) = std::fs::read_dir(sub.path()) {
                    for f in rd2.filter_map(|e| e.ok()) {
                        let name = f.file_name().to_string_lossy().into_owned();
                        if let Some(base) = name.strip_suffix(".te") {
                            if on.iter().any(|(m, _)| m == base) {
                                found.push(format!(
                                    "policy/modules/{}/{name}",
                                    sub.file_name().to_string_lossy()
                                ));
                            }
                        }
                    }
                }
            }
        }
        found.sort();
        if dir.join("policy/flask").is_dir() {
            for f in ["security_classes", "initial_sids", "access_vectors"] {
                require(&mut l, format!("policy/flask/{f}"));
            }
        } else {
            require(&mut l, format!("{flask}/security_classes"));
            if exists("policy/security_classes") {
                l.files.push("policy/security_classes".into());
            }
            require(&mut l, format!("{flask}/initial_sids"));
            require(&mut l, format!("{flask}/access_vectors"));
            if exists("policy/access_vectors") {
                l.files.push("policy/access_vectors".into());
            }
        }
        l.files.extend(support);
        require(&mut l, "policy/mls".into());
        for t in &found {
            let f = t.replace(".te", ".if");
            if exists(&f) {
                l.files.push(f);
            }
        }
        if exists("policy/global_booleans") {
            l.files.push("policy/global_booleans".into());
        }
        require(&mut l, "policy/global_tunables".into());
        l.files.extend(found);
        require(&mut l, "policy/users".into());
        require(&mut l, "policy/constraints".into());
        require(&mut l, "policy/initial_sids".into());
        if exists("policy/device_contexts") {
            l.files.push("policy/device_contexts".into());
        }
    } else {
        l.problems.push((
            "no `modules/modules.conf` (Xen 4.8 and later) or `policy/modules.conf` (Xen 4.2 to 4.7)"
                .to_string(),
            None,
        ));
    }
    l
}

/// Reads files relative to the tree, remembering their text for diagnostics.
struct TreeFiles {
    dir: PathBuf,
    seen: std::cell::RefCell<HashMap<String, String>>,
}

impl m4::FileLoader for TreeFiles {
    fn load(&self, path: &str) -> Option<Vec<u8>> {
        self.load_at_most(path, usize::MAX).ok()
    }

    fn load_at_most(&self, path: &str, limit: usize) -> Result<Vec<u8>, m4::LoadError> {
        let bytes = crate::io::read_for_m4(&self.dir.join(path), limit)?;
        // The text is kept for diagnostics at the file's lines.
        self.seen.borrow_mut().insert(
            path.to_string(),
            String::from_utf8_lossy(&bytes).into_owned(),
        );
        Ok(bytes)
    }
}

/// Arguments of `flaskc build`.
#[derive(Debug, Clone, Args)]
pub(crate) struct BuildArgs {
    /// The policy tree (Xen's `tools/flask/policy` layout).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Output file (default: `output` of the tree's flaskc.toml, else `xenpolicy`).
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// Build the MLS policy (defines `enable_mls`, compiles with MLS).
    #[arg(long = "mls")]
    pub mls: bool,
    /// Policy version to write (24 or 30; default 30).
    #[arg(short = 'c', long = "policy-version")]
    pub version: Option<u32>,
    /// Extra m4 definitions, as `m4 -D`.
    #[arg(short = 'D', value_name = "NAME[=VALUE]")]
    pub defines: Vec<String>,
    /// Treat warnings as errors.
    #[arg(short = 'E')]
    pub werror: bool,
    /// Print diagnostics as JSON lines.
    #[arg(long = "message-format", default_value = "human", value_parser = ["human", "json"])]
    pub message_format: String,
    /// Check only: write nothing.
    #[arg(skip)]
    pub check_only: bool,
}

/// Builds (or checks) a tree; the exit code.
pub(crate) fn build(args: &BuildArgs) -> i32 {
    let cfg = match tree_config(&args.dir) {
        Ok(c) => c,
        Err(e) => {
            crate::io::eprintln!("flaskc: {e}");
            return 2;
        }
    };
    let req = Request {
        sema: crate::sema::Options {
            target: crate::policydb::Target::Xen,
            mls: args.mls,
            handle_unknown: Default::default(),
        },
        version: args.version,
        werror: args.werror,
        sort_ocontexts: false,
        json: args.message_format == "json",
    };
    let lay = layout(&args.dir, &cfg);
    if !lay.problems.is_empty() {
        let mut map = SourceMap::new();
        let mut diags: Vec<Diagnostic> = Vec::new();
        for (message, at) in &lay.problems {
            let mut d = Diagnostic::error("missing-file", message.clone());
            match at.as_ref().and_then(|(f, line)| {
                let text = std::fs::read_to_string(args.dir.join(f)).ok()?;
                Some((f, *line, text))
            }) {
                Some((f, line, text)) => {
                    let file = map.add(SourceFile::new(f.clone(), text));
                    let r = map.file(file).line_range(line as usize - 1);
                    d = d.primary(file, Span::new(r.start, r.end), "enabled here");
                }
                None => d = d.note(format!("in the policy tree {}", args.dir.display())),
            }
            diags.push(d);
        }
        compile::emit(&map, &mut diags, &req);
        return 1;
    }
    let mut m4_args = vec![
        m4::Arg::Define("self_contained_policy".into(), String::new()),
        m4::Arg::Define("mls_num_sens".into(), "16".into()),
        m4::Arg::Define("mls_num_cats".into(), "256".into()),
    ];
    if args.mls {
        m4_args.push(m4::Arg::Define("enable_mls".into(), String::new()));
    }
    for d in &args.defines {
        let (k, v) = d.split_once('=').unwrap_or((d, ""));
        m4_args.push(m4::Arg::Define(k.to_string(), v.to_string()));
    }
    m4_args.extend(lay.files.iter().map(|f| m4::Arg::File(f.clone())));
    let loader = TreeFiles {
        dir: args.dir.clone(),
        seen: Default::default(),
    };
    let expanded = m4::expand(&m4_args, &m4::Options::default(), &loader);
    let mut map = SourceMap::new();
    let mut ids: HashMap<String, FileId> = HashMap::new();
    let mut seen: Vec<(String, String)> = loader.seen.into_inner().into_iter().collect();
    seen.sort();
    for (name, text) in seen {
        ids.insert(name.clone(), map.add(SourceFile::new(name, text)));
    }
    let mut m4_diags = m4_diagnostics(&expanded, &map, &ids);
    compile::emit(&map, &mut m4_diags, &req);
    if expanded.exit_code != 0 || m4_diags.iter().any(Diagnostic::is_error) {
        return 1;
    }
    let version = match compile::choose_version(req.sema.target, req.version) {
        Ok(v) => v,
        Err(e) => {
            crate::io::eprintln!("flaskc: {e}");
            return 2;
        }
    };
    let conf = map.add(SourceFile::new("policy.conf", expanded.text().into_owned()));
    let remap = |diags: Vec<Diagnostic>, map: &SourceMap| {
        diags
            .into_iter()
            .map(|d| remap_diagnostic(d, conf, &expanded, map, &ids))
            .collect()
    };
    let check_version = (!args.check_only).then_some(version);
    let Some(db) = compile::lower_file(&mut map, conf, &req, check_version, &remap) else {
        return 1;
    };
    if args.check_only {
        return 0;
    }
    let out = args
        .output
        .clone()
        .or_else(|| cfg.output.as_ref().map(|o| args.dir.join(o)))
        .unwrap_or_else(|| PathBuf::from("xenpolicy"));
    compile::write_binary(db, version, &out)
}

/// The expander's warnings and errors as diagnostics at their file and line, and an error
/// where `m4exit` stopped it (GNU m4 stops silently, which a build must not).
fn m4_diagnostics(
    expanded: &m4::Expanded,
    map: &SourceMap,
    ids: &HashMap<String, FileId>,
) -> Vec<Diagnostic> {
    let place = |mut d: Diagnostic, file_index: u32, line: u32| {
        let name = expanded.file_name(file_index);
        match ids.get(name) {
            Some(&file) if line > 0 => {
                let f = map.file(file);
                let line = (line as usize - 1).min(f.line_starts().len() - 1);
                let r = f.line_range(line);
                let span = Span::new(r.start, r.end.max(r.start));
                d = d.primary(file, span, "");
            }
            _ if line > 0 => d = d.note(format!("at {name}:{line}")),
            _ => {}
        }
        d
    };
    let mut out: Vec<Diagnostic> = expanded
        .diagnostics
        .iter()
        .map(|m| {
            let d = match m.severity {
                m4::Severity::Warning => Diagnostic::warning("m4", m.text.clone()),
                _ => Diagnostic::error("m4", m.text.clone()),
            };
            place(d, m.file, m.line)
        })
        .collect();
    if let Some((file, line, status)) = expanded.m4exit {
        let d = Diagnostic::error(
            "m4exit",
            format!("`m4exit({status})` stopped the macro expansion"),
        )
        .note("the policy was not compiled");
        out.push(place(d, file, line));
    }
    out
}

/// Moves a diagnostic's labels from the expanded text to the original files, and adds a
/// note for each macro expansion that produced its primary text.
fn remap_diagnostic(
    mut d: Diagnostic,
    conf: FileId,
    expanded: &m4::Expanded,
    map: &SourceMap,
    ids: &HashMap<String, FileId>,
) -> Diagnostic {
    let mut notes = Vec::new();
    for (i, label) in d.labels.iter_mut().enumerate() {
        if label.file != conf {
            continue;
        }
        let Some(origin) = expanded.origin_at(label.span.start as usize) else {
            continue;
        };
        let name = expanded.file_name(origin.file);
        let Some(&file) = ids.get(name) else {
            continue;
        };
        let conf_text = &map.file(conf).text;
        let wanted = conf_text.get(label.span.range()).unwrap_or("").to_string();
        *label = Label {
            file,
            span: locate(map.file(file), origin.line, origin.column, &wanted),
            ..label.clone()
        };
        if i == 0 || label.primary {
            notes.clear();
            for e in expanded.chain(origin) {
                let at = match e.defined_at {
                    Some((f, line)) => format!(", defined at {}:{line}", expanded.file_name(f)),
                    None => String::new(),
                };
                notes.push(format!(
                    "in expansion of macro `{}` called at {}:{}{at}",
                    e.name,
                    expanded.file_name(e.call_file),
                    e.call_line
                ));
            }
        }
    }
    d.notes.extend(notes);
    d
}

/// The span in an original file for text `wanted` whose origin is `line:column`: the
/// first occurrence of the text on that line from the column on (where a macro argument
/// was written), else the origin itself.
fn locate(file: &SourceFile, line: u32, column: u32, wanted: &str) -> Span {
    let idx = (line.max(1) - 1) as usize;
    if idx >= file.line_starts().len() {
        return Span::new(file.text.len(), file.text.len());
    }
    let r = file.line_range(idx);
    let from = (r.start + column.saturating_sub(1) as usize).min(r.end);
    let first_line = wanted.lines().next().unwrap_or("");
    if !first_line.is_empty() {
        if let Some(text) = file.text.get(from..r.end) {
            if let Some(pos) = find_word(text, first_line) {
                return Span::new(from + pos, from + pos + first_line.len());
            }
        }
        if let Some(text) = file.text.get(r.clone()) {
            if let Some(pos) = find_word(text, first_line) {
                return Span::new(r.start + pos, r.start + pos + first_line.len());
            }
        }
    }
    let end = file.text[from..r.end]
        .find(|c: char| c.is_whitespace())
        .map_or(r.end, |e| from + e);
    Span::new(from, end.max(from))
}

/// The position of `word` in `text` where it is not part of a longer name.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-';
    let mut start = 0;
    while let Some(p) = text[start..].find(word) {
        let at = start + p;
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        if !before.is_some_and(is_name) && !after.is_some_and(is_name) {
            return Some(at);
        }
        start = at + word.len().max(1);
    }
    None
}
