//! Which files of a tree Xen's Makefiles feed to m4, and in what order.
//!
//! Xen 4.8 and later keep modules in `modules/` and enable them in `modules/modules.conf`
//! (`Makefile.common`); Xen 4.2 to 4.7 keep them under `policy/modules/*/` and enable them
//! in `policy/modules.conf`.

use super::config::TreeConfig;
use super::fs::FileSystem;
use std::path::Path;

/// Where the hypervisor's class definitions live, relative to a Xen tree's
/// `tools/flask/policy` (Xen's `FLASKDIR`).
const XEN_FLASKDIR: &str = "../../../xen/xsm/flask/policy";

/// The files of a tree in build order, relative to its directory, and what went wrong
/// finding them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The files, in the order m4 reads them.
    pub files: Vec<String>,
    /// What is missing.
    pub problems: Vec<Problem>,
}

/// A file the tree needs and does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What is wrong, as a sentence fragment.
    pub message: String,
    /// The `modules.conf` file and 1-based line that asked for it, if one did.
    pub asked_at: Option<(String, u32)>,
}

impl Problem {
    fn missing(path: &str) -> Problem {
        Problem {
            message: format!("missing file `{path}`"),
            asked_at: None,
        }
    }
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

/// Collects the files in order, noting the missing ones.
struct Builder<'a> {
    dir: &'a Path,
    fs: &'a dyn FileSystem,
    layout: Layout,
}

impl Builder<'_> {
    fn exists(&self, path: &str) -> bool {
        self.fs.is_file(&self.dir.join(path))
    }

    /// Adds a file the build cannot do without.
    fn require(&mut self, path: String) {
        if !self.exists(&path) {
            self.layout.problems.push(Problem::missing(&path));
        }
        self.layout.files.push(path);
    }

    /// Adds a file if it exists.
    fn optional(&mut self, path: String) {
        if self.exists(&path) {
            self.layout.files.push(path);
        }
    }
}

/// The files Xen's Makefiles feed to m4 for the tree at `dir`, in their order.
pub fn layout(dir: &Path, cfg: &TreeConfig, fs: &dyn FileSystem) -> Layout {
    let flask = cfg.hypervisor_policy.as_deref().unwrap_or(XEN_FLASKDIR);
    let support: Vec<String> = fs
        .list(&dir.join("policy/support"))
        .into_iter()
        .filter(|n| n.ends_with(".spt"))
        .map(|n| format!("policy/support/{n}"))
        .collect();
    let mut b = Builder {
        dir,
        fs,
        layout: Layout::default(),
    };
    if let Some(conf) = fs.read_text(&dir.join("modules/modules.conf")) {
        // Xen 4.8 and later (Makefile.common).
        let mods = enabled_modules(&conf);
        b.require(format!("{flask}/security_classes"));
        b.require("policy/security_classes".into());
        b.require(format!("{flask}/initial_sids"));
        b.require(format!("{flask}/access_vectors"));
        b.require("policy/access_vectors".into());
        b.layout.files.extend(support);
        b.require("policy/mls".into());
        for (m, _) in &mods {
            b.optional(format!("modules/{m}.if"));
        }
        b.require("policy/global_tunables".into());
        for (m, line) in &mods {
            let f = format!("modules/{m}.te");
            if !b.exists(&f) {
                b.layout.problems.push(Problem {
                    message: format!("module `{m}` is enabled but `{f}` does not exist"),
                    asked_at: Some(("modules/modules.conf".into(), *line)),
                });
            }
            b.layout.files.push(f);
        }
        b.require("policy/users".into());
        for (m, _) in &mods {
            b.optional(format!("modules/{m}.cons"));
        }
        b.require("policy/initial_sids".into());
        b.require("policy/device_contexts".into());
    } else if let Some(conf) = fs.read_text(&dir.join("policy/modules.conf")) {
        // Xen 4.2 to 4.7: modules found under policy/modules/*/, enabled by modules.conf.
        let on = enabled_modules(&conf);
        let mut found: Vec<String> = Vec::new();
        for sub in fs.list(&dir.join("policy/modules")) {
            for name in fs.list(&dir.join("policy/modules").join(&sub)) {
                if let Some(base) = name.strip_suffix(".te") {
                    if on.iter().any(|(m, _)| m == base) {
                        found.push(format!("policy/modules/{sub}/{name}"));
                    }
                }
            }
        }
        found.sort();
        if fs.is_dir(&dir.join("policy/flask")) {
            for f in ["security_classes", "initial_sids", "access_vectors"] {
                b.require(format!("policy/flask/{f}"));
            }
        } else {
            b.require(format!("{flask}/security_classes"));
            b.optional("policy/security_classes".into());
            b.require(format!("{flask}/initial_sids"));
            b.require(format!("{flask}/access_vectors"));
            b.optional("policy/access_vectors".into());
        }
        b.layout.files.extend(support);
        b.require("policy/mls".into());
        for t in &found {
            b.optional(t.replace(".te", ".if"));
        }
        b.optional("policy/global_booleans".into());
        b.require("policy/global_tunables".into());
        b.layout.files.extend(found);
        b.require("policy/users".into());
        b.require("policy/constraints".into());
        b.require("policy/initial_sids".into());
        b.optional("policy/device_contexts".into());
    } else {
        b.layout.problems.push(Problem {
            message: "no `modules/modules.conf` (Xen 4.8 and later) or `policy/modules.conf` \
                      (Xen 4.2 to 4.7)"
                .to_string(),
            asked_at: None,
        });
    }
    b.layout
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enabled_modules_reads_on_lines_only() {
        let conf = "# comment\nxen = on\ndomU = off\n  nic_dev = on\nweb = yes\n";
        assert_eq!(
            enabled_modules(conf),
            [("xen".to_string(), 2), ("nic_dev".to_string(), 4)]
        );
    }
}
