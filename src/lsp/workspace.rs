//! The policies the editor has open: each a Xen tree (found from an opened file) or a
//! lone policy.conf, rebuilt in memory through [`crate::project`] with the editor's
//! unsaved buffers laid over the disk.

use super::convert;
use crate::policydb::Target;
use crate::project::{self, fs::Overlay, FileSystem, Outcome};
use crate::source::FileId;
use lsp_types as lsp;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// What a project compiles.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Root {
    /// A Xen policy tree: the directory `flaskc build` takes.
    Tree(PathBuf),
    /// A policy.conf compiled alone.
    Conf(PathBuf),
}

/// The policy that `path` belongs to: the nearest directory above it that is a tree
/// (`modules/modules.conf`, `policy/modules.conf` or `flaskc.toml`), else the file alone.
pub fn root_of(path: &Path, fs: &dyn FileSystem) -> Root {
    for dir in path.ancestors().skip(1) {
        let marks = ["modules/modules.conf", "policy/modules.conf", "flaskc.toml"];
        if marks.iter().any(|m| fs.is_file(&dir.join(m))) {
            return Root::Tree(dir.to_path_buf());
        }
    }
    Root::Conf(path.to_path_buf())
}

/// One policy and its latest build.
pub struct Project {
    /// What is compiled.
    pub root: Root,
    /// The latest build.
    pub outcome: Rc<Outcome>,
    /// The latest build that has a symbol index (queries use it while the text is too
    /// broken to parse).
    pub indexed: Option<Rc<Outcome>>,
    /// Every URI diagnostics were last published for.
    published: Vec<lsp::Url>,
    /// The file whose change asked for the latest build: diagnostics with no place go there.
    pub touched: PathBuf,
}

impl Project {
    /// The policy at `root`, not built yet.
    pub fn new(root: Root, touched: PathBuf) -> Project {
        Project {
            root,
            outcome: Rc::new(empty()),
            indexed: None,
            published: Vec::new(),
            touched,
        }
    }

    /// Builds again from the current buffers.
    pub fn rebuild(&mut self, fs: &Overlay) {
        let outcome = match &self.root {
            Root::Tree(dir) => {
                let mut opts = project::Options::new(Target::Xen);
                opts.for_writing = false;
                opts.index = true;
                project::build_tree(dir, &opts, fs)
            }
            Root::Conf(file) => {
                let text = fs.read_text(file).unwrap_or_default();
                let (target, mls) = project::infer_target(&text);
                let mut opts = project::Options::new(target);
                opts.sema.mls = mls;
                opts.for_writing = false;
                opts.index = true;
                project::compile(file.display().to_string(), text, &opts)
            }
        };
        let outcome = Rc::new(outcome.unwrap_or_else(|e| {
            let mut o = empty();
            o.diagnostics
                .push(crate::diag::Diagnostic::error("config", e.to_string()));
            o
        }));
        if outcome.symbols.is_some() {
            self.indexed = Some(outcome.clone());
        }
        self.outcome = outcome;
    }

    /// The build to answer queries from.
    pub fn for_queries(&self) -> &Rc<Outcome> {
        self.indexed.as_ref().unwrap_or(&self.outcome)
    }

    /// The path of a file of a build's map.
    pub fn path_of(&self, outcome: &Outcome, file: FileId) -> PathBuf {
        let name = &outcome.map.file(file).name;
        match &self.root {
            Root::Tree(dir) => convert::normalize(&dir.join(name)),
            Root::Conf(path) => path.clone(),
        }
    }

    /// The URI of a user's file of a build's map (`None` for a tree's generated
    /// policy.conf).
    pub fn url_of(&self, outcome: &Outcome, file: FileId) -> Option<lsp::Url> {
        if generated(outcome, file) {
            return None;
        }
        convert::url(&self.path_of(outcome, file))
    }

    /// The file of a build's map at `path`.
    pub fn file_at(&self, outcome: &Outcome, path: &Path) -> Option<FileId> {
        outcome
            .map
            .files()
            .map(|(id, _)| id)
            .find(|&id| !generated(outcome, id) && self.path_of(outcome, id) == path)
    }

    /// Whether `path` is one of this policy's files.
    pub fn contains(&self, path: &Path) -> bool {
        match &self.root {
            Root::Conf(p) => p == path,
            Root::Tree(dir) => {
                path.starts_with(dir) || self.file_at(self.for_queries(), path).is_some()
            }
        }
    }

    /// The diagnostics of the latest build, by URI, for every file of the policy, empty
    /// lists included, and for each URI published before that has none now.
    pub fn diagnostics(&mut self) -> BTreeMap<lsp::Url, Vec<lsp::Diagnostic>> {
        let outcome = self.outcome.clone();
        let mut out: BTreeMap<lsp::Url, Vec<lsp::Diagnostic>> = BTreeMap::new();
        for (id, _) in outcome.map.files() {
            if let Some(u) = self.url_of(&outcome, id) {
                out.entry(u).or_default();
            }
        }
        let touched = convert::url(&self.touched);
        let by_name = |n: &str| {
            outcome
                .map
                .files()
                .find(|(id, f)| f.name == n && !generated(&outcome, *id))
                .map(|(id, _)| id)
        };
        let locate = |f: FileId| self.url_of(&outcome, f);
        for d in &outcome.diagnostics {
            let main = d.primary_label().or(d.labels.first());
            let uri = match main {
                Some(l) => locate(l.file),
                None => touched.clone(),
            };
            let Some(uri) = uri.or_else(|| touched.clone()) else {
                continue;
            };
            let mut pd = convert::diagnostic(d, &outcome.map, &locate, &by_name);
            if main.is_some_and(|l| generated(&outcome, l.file)) {
                pd.range = lsp::Range::default();
            }
            out.entry(uri).or_default().push(pd);
        }
        for old in std::mem::take(&mut self.published) {
            out.entry(old).or_default();
        }
        self.published = out
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, _)| k.clone())
            .collect();
        out
    }
}

/// Whether a file of a build is a tree's generated policy.conf.
fn generated(outcome: &Outcome, file: FileId) -> bool {
    outcome
        .symbols
        .as_ref()
        .is_some_and(|s| s.is_generated(file))
        || (outcome.expanded.is_some() && outcome.map.file(file).name == "policy.conf")
}

/// A build with nothing in it.
fn empty() -> Outcome {
    Outcome {
        map: crate::source::SourceMap::new(),
        diagnostics: Vec::new(),
        db: None,
        version: 0,
        expanded: None,
        timings: Default::default(),
        symbols: None,
        syntax: None,
        config: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_file_belongs_to_its_tree_and_a_lone_conf_to_itself() {
        let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join("policy");
        let fs = Overlay::default();
        assert_eq!(
            root_of(&policy.join("modules/xen.te"), &fs),
            Root::Tree(policy.clone())
        );
        assert_eq!(
            root_of(&policy.join("policy/users"), &fs),
            Root::Tree(policy.clone())
        );
        let lone = Path::new("/nonexistent/policy.conf");
        assert_eq!(root_of(lone, &fs), Root::Conf(lone.into()));
    }
}
