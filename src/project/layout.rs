//! Which files of a tree Xen's Makefiles feed to m4, and in what order.
//!
//! Xen 4.8 and later keep modules in `modules/` and enable them in `modules/modules.conf`
//! (`Makefile.common`); Xen 4.2 to 4.7 keep them under `policy/modules/*/` and enable them
//! in `policy/modules.conf`. Both read `modules.conf` with the same `awk` line, so both get
//! the same warnings: lines it does not understand, and module files it does not list.

use super::config::TreeConfig;
use super::fs::FileSystem;
use crate::diag::suggest;
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
    /// What is missing (errors).
    pub problems: Vec<Problem>,
    /// What Xen's Makefiles would silently leave out (warnings).
    pub warnings: Vec<Problem>,
}

/// Something wrong with the tree's files, at the file and line that shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The diagnostic code (`missing-file`, `module-not-listed` ...).
    pub code: &'static str,
    /// What is wrong, as a sentence fragment.
    pub message: String,
    /// The file (relative to the tree) and 1-based line that shows it, if one does.
    pub asked_at: Option<(String, u32)>,
    /// What the label at `asked_at` says.
    pub label: &'static str,
    /// A suggestion, if there is one.
    pub help: Option<String>,
}

impl Problem {
    fn missing(path: &str) -> Problem {
        Problem {
            code: "missing-file",
            message: format!("missing file `{path}`"),
            asked_at: None,
            label: "",
            help: None,
        }
    }
}

/// What a `modules.conf` says, read as Xen's Makefile reads it (`awk '/^[ \t]*[a-z]/{ if
/// ($3 == "on") print $1 }'`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct ModulesConf {
    /// Modules switched on, in file order, with their 1-based lines.
    enabled: Vec<(String, u32)>,
    /// Every module named on a well-formed line, on or off.
    listed: Vec<String>,
    /// Lines that are neither blank, a comment, nor `NAME = on|off`: 1-based line, text.
    malformed: Vec<(u32, String)>,
}

fn modules_conf(text: &str) -> ModulesConf {
    let mut conf = ModulesConf::default();
    for (i, l) in text.lines().enumerate() {
        let line = i as u32 + 1;
        let l = l.trim_start();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = l.split_whitespace().collect();
        let read_by_xen = l.starts_with(|c: char| c.is_ascii_lowercase());
        if read_by_xen && words.get(2) == Some(&"on") {
            conf.enabled.push((words[0].to_string(), line));
        }
        match words[..] {
            [name, "=", "on" | "off"] if read_by_xen => conf.listed.push(name.to_string()),
            _ => conf.malformed.push((line, l.trim_end().to_string())),
        }
    }
    conf
}

/// A module's name and its `.te` file (relative to the tree).
type ModuleFile = (String, String);

/// Warnings for a `modules.conf` (at `conf_path`, relative to the tree): lines Xen's
/// Makefile does not understand, and module files it does not list. Both layouts read
/// the file with the same `awk` line.
fn conf_warnings(conf: &ModulesConf, conf_path: &str, te_files: &[ModuleFile]) -> Vec<Problem> {
    let at = |line| Some((conf_path.to_string(), line));
    let mut out: Vec<Problem> = conf
        .malformed
        .iter()
        .map(|(line, text)| Problem {
            code: "modules-conf-syntax",
            message: format!("`{text}` is not `NAME = on` or `NAME = off`; the line is ignored"),
            asked_at: at(*line),
            label: "Xen's Makefile leaves this module out",
            help: Some(
                "write `NAME = on` or `NAME = off` (module names start with a lowercase letter)"
                    .into(),
            ),
        })
        .collect();
    for (m, path) in te_files {
        if !conf.listed.contains(m)
            && !conf
                .malformed
                .iter()
                .any(|(_, l)| l.starts_with(m.as_str()))
        {
            out.push(Problem {
                code: "module-not-listed",
                message: format!("`{path}` is not listed in `{conf_path}` and is not compiled"),
                asked_at: Some((path.clone(), 1)),
                label: "this module is left out",
                help: Some(format!(
                    "add `{m} = on` to `{conf_path}` (or `{m} = off` to leave it out on purpose)"
                )),
            });
        }
    }
    out
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
        let parsed = modules_conf(&conf);
        let mut te_files: Vec<String> = fs
            .list(&dir.join("modules"))
            .into_iter()
            .filter_map(|n| n.strip_suffix(".te").map(str::to_string))
            .collect();
        te_files.sort();
        let listed: Vec<ModuleFile> = te_files
            .iter()
            .map(|m| (m.clone(), format!("modules/{m}.te")))
            .collect();
        b.layout.warnings = conf_warnings(&parsed, "modules/modules.conf", &listed);
        let mods = parsed.enabled;
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
                let close = suggest::closest(m, te_files.iter().map(String::as_str));
                b.layout.problems.push(Problem {
                    code: "missing-file",
                    message: format!("module `{m}` is enabled but `{f}` does not exist"),
                    asked_at: Some(("modules/modules.conf".into(), *line)),
                    label: "enabled here",
                    help: close.map(suggest::did_you_mean),
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
        let parsed = modules_conf(&conf);
        let mut detected: Vec<ModuleFile> = Vec::new();
        for sub in fs.list(&dir.join("policy/modules")) {
            for name in fs.list(&dir.join("policy/modules").join(&sub)) {
                if let Some(base) = name.strip_suffix(".te") {
                    detected.push((base.to_string(), format!("policy/modules/{sub}/{name}")));
                }
            }
        }
        detected.sort_by(|a, b| a.1.cmp(&b.1));
        b.layout.warnings = conf_warnings(&parsed, "policy/modules.conf", &detected);
        let found: Vec<String> = detected
            .into_iter()
            .filter(|(m, _)| parsed.enabled.iter().any(|(on, _)| on == m))
            .map(|(_, path)| path)
            .collect();
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
            ..Problem::missing("")
        });
    }
    b.layout
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_conf_reads_on_lines_only() {
        let conf = "# comment\nxen = on\ndomU = off\n  nic_dev = on\nweb = yes\n";
        let parsed = modules_conf(conf);
        assert_eq!(
            parsed.enabled,
            [("xen".to_string(), 2), ("nic_dev".to_string(), 4)]
        );
        assert_eq!(parsed.malformed, [(5, "web = yes".to_string())]);
        let te: Vec<ModuleFile> = ["domU", "extra", "web", "xen"]
            .iter()
            .map(|m| (m.to_string(), format!("modules/{m}.te")))
            .collect();
        let codes: Vec<_> = conf_warnings(&parsed, "modules/modules.conf", &te)
            .into_iter()
            .map(|p| (p.code, p.asked_at.unwrap().0))
            .collect();
        assert_eq!(
            codes,
            [
                ("modules-conf-syntax", "modules/modules.conf".to_string()),
                ("module-not-listed", "modules/extra.te".to_string())
            ]
        );
    }

    #[test]
    fn the_old_layout_warns_as_the_new_one_does() {
        let dir = tempfile::tempdir().unwrap();
        let put = |path: &str, text: &str| {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        put("policy/modules.conf", "# modules\nxen = on\nweb = yes\n");
        put("policy/modules/xen/xen.te", "");
        put("policy/modules/xen/extra.te", "");
        put("policy/modules/web/web.te", "");
        let lay = layout(
            dir.path(),
            &TreeConfig::default(),
            &super::super::fs::RealFs,
        );
        let warnings: Vec<_> = lay
            .warnings
            .iter()
            .map(|p| (p.code, p.asked_at.clone().unwrap()))
            .collect();
        assert_eq!(
            warnings,
            [
                (
                    "modules-conf-syntax",
                    ("policy/modules.conf".to_string(), 3)
                ),
                (
                    "module-not-listed",
                    ("policy/modules/xen/extra.te".to_string(), 1)
                ),
            ]
        );
        let modules: Vec<_> = lay.files.iter().filter(|f| f.ends_with(".te")).collect();
        assert_eq!(modules, ["policy/modules/xen/xen.te"]);
    }
}
