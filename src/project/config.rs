//! A tree's `flaskc.toml`: where the hypervisor's files are and where the binary goes.

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
        if !matches!(k.as_str(), "hypervisor_policy" | "output") {
            return Err(format!("{}: unknown key `{k}`", path.display()));
        }
    }
    Ok(TreeConfig {
        hypervisor_policy: get("hypervisor_policy")?,
        output: get("output")?,
    })
}
