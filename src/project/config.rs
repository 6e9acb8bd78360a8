//! A tree's `flaskc.toml`: where the hypervisor's files are, where the binary goes, and
//! the isolation goals the policy must meet.

use super::fs::FileSystem;
use std::path::Path;

/// The settings of a tree's `flaskc.toml` (all optional).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TreeConfig {
    /// Where the hypervisor's `security_classes`, `initial_sids`, `access_vectors` are,
    /// relative to the tree.
    pub hypervisor_policy: Option<String>,
    /// The default output file, relative to the tree.
    pub output: Option<String>,
    /// The isolation goals (`[[isolation]]` tables) the built policy must meet.
    pub isolation: Vec<crate::analysis::isolation::Assertion>,
}

/// Reads the `flaskc.toml` of the tree at `dir`, if there is one.
///
/// # Errors
/// A message naming the file when it is not valid TOML, has an unknown key or a value of
/// the wrong kind.
pub fn read(dir: &Path, fs: &dyn FileSystem) -> Result<TreeConfig, String> {
    let path = dir.join("flaskc.toml");
    let Some(text) = fs.read_text(&path) else {
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
        if !matches!(k.as_str(), "hypervisor_policy" | "output" | "isolation") {
            return Err(format!("{}: unknown key `{k}`", path.display()));
        }
    }
    Ok(TreeConfig {
        hypervisor_policy: get("hypervisor_policy")?,
        output: get("output")?,
        isolation: crate::analysis::isolation::parse(&table)
            .map_err(|e| format!("{}: {e}", path.display()))?,
    })
}
