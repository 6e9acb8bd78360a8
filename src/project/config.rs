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

/// Why a `flaskc.toml` was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file, as `dir` joined with `flaskc.toml`.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// The 1-based line that shows it, when one does.
    pub line: Option<u32>,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.path, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// The 1-based line of the first `KEY =` (at a line's start) in `text`.
fn key_line(text: &str, key: &str) -> Option<u32> {
    let n = text.lines().position(|l| {
        l.trim_start()
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    })?;
    u32::try_from(n + 1).ok()
}

/// The 1-based line of the `n`th (0-based) `[[isolation]]` header in `text`.
fn isolation_line(text: &str, n: usize) -> Option<u32> {
    let (i, _) = (text.lines().enumerate())
        .filter(|(_, l)| l.trim() == "[[isolation]]")
        .nth(n)?;
    u32::try_from(i + 1).ok()
}

/// Reads the `flaskc.toml` of the tree at `dir`, if there is one.
///
/// # Errors
/// When it is not valid TOML, has an unknown key or a value of the wrong kind, with the
/// line that shows it.
pub fn read(dir: &Path, fs: &dyn FileSystem) -> Result<TreeConfig, ConfigError> {
    let path = dir.join("flaskc.toml");
    let Some(text) = fs.read_text(&path) else {
        return Ok(TreeConfig::default());
    };
    let fail = |message: String, line: Option<u32>| ConfigError {
        path: path.display().to_string(),
        message,
        line,
    };
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let line = e.span().map(|s| {
            let before = text.get(..s.start).unwrap_or_default();
            u32::try_from(before.matches('\n').count() + 1).unwrap_or(u32::MAX)
        });
        fail(e.message().to_string(), line)
    })?;
    let get = |k: &str| -> Result<Option<String>, ConfigError> {
        match table.get(k) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(fail(format!("`{k}` must be a string"), key_line(&text, k))),
        }
    };
    for k in table.keys() {
        if !matches!(k.as_str(), "hypervisor_policy" | "output" | "isolation") {
            return Err(fail(format!("unknown key `{k}`"), key_line(&text, k)));
        }
    }
    Ok(TreeConfig {
        hypervisor_policy: get("hypervisor_policy")?,
        output: get("output")?,
        isolation: crate::analysis::isolation::parse(&table).map_err(|e| {
            let goal = e
                .strip_prefix("isolation #")
                .and_then(|r| r.split(':').next())
                .and_then(|n| n.parse::<usize>().ok());
            let line = goal.and_then(|n| isolation_line(&text, n.saturating_sub(1)));
            fail(e, line)
        })?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::fs::RealFs;

    fn refused(text: &str) -> ConfigError {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("flaskc.toml"), text).unwrap();
        read(dir.path(), &RealFs).unwrap_err()
    }

    #[test]
    fn errors_name_their_line() {
        let e = refused("# settings\nhypervisor_polcy = \"xsm\"\n");
        assert_eq!(
            (e.message.as_str(), e.line),
            ("unknown key `hypervisor_polcy`", Some(2))
        );
        assert_eq!(refused("\n\noutput = 3\n").line, Some(3));
        assert!(refused("output = \"a\"\noutput = [\n").line.is_some());
        let goals = "[[isolation]]\ntype = \"a_t\"\nmust_not_reach = [\"b_t\"]\n\n\
                     [[isolation]]\ntype = \"b_t\"\nfoo = 1\n";
        assert_eq!(refused(goals).line, Some(5));
    }
}
