//! The file system a project reads through: the disk, or the disk with unsaved editor
//! buffers laid over it. The project module never calls `std::fs` itself, so the language
//! server can build a tree exactly as it is in the editor.

use crate::m4::LoadError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Read access to files and directories.
pub trait FileSystem {
    /// The bytes of a file, at most `limit` of them ([`LoadError::TooLarge`] past it).
    ///
    /// # Errors
    /// [`LoadError::Missing`] when it cannot be read.
    fn read(&self, path: &Path, limit: usize) -> Result<Vec<u8>, LoadError>;

    /// Whether `path` is a file that can be read.
    fn is_file(&self, path: &Path) -> bool;

    /// Whether `path` is a directory.
    fn is_dir(&self, path: &Path) -> bool;

    /// The names of a directory's entries, sorted (nothing when it cannot be read).
    fn list(&self, path: &Path) -> Vec<String>;

    /// A file's text, invalid UTF-8 replaced; `None` when it cannot be read.
    fn read_text(&self, path: &Path) -> Option<String> {
        let bytes = self.read(path, usize::MAX).ok()?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// The real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealFs;

impl FileSystem for RealFs {
    fn read(&self, path: &Path, limit: usize) -> Result<Vec<u8>, LoadError> {
        crate::io::read_for_m4(path, limit)
    }

    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn list(&self, path: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(path)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

/// The real file system with some files replaced by texts held in memory (an editor's
/// unsaved buffers). A buffer may name a file that does not exist on disk yet.
#[derive(Debug, Clone, Default)]
pub struct Overlay {
    buffers: HashMap<PathBuf, String>,
}

impl Overlay {
    /// Sets the text of `path` (replacing an earlier buffer).
    pub fn set(&mut self, path: PathBuf, text: String) {
        self.buffers.insert(path, text);
    }

    /// Drops the buffer of `path`, so the file on disk is read again.
    pub fn remove(&mut self, path: &Path) {
        self.buffers.remove(path);
    }

    /// The buffer of `path`, if one is held.
    pub fn get(&self, path: &Path) -> Option<&str> {
        self.buffers.get(path).map(String::as_str)
    }
}

impl FileSystem for Overlay {
    fn read(&self, path: &Path, limit: usize) -> Result<Vec<u8>, LoadError> {
        match self.buffers.get(path) {
            Some(text) if text.len() > limit => Err(LoadError::TooLarge),
            Some(text) => Ok(text.as_bytes().to_vec()),
            None => RealFs.read(path, limit),
        }
    }

    fn is_file(&self, path: &Path) -> bool {
        self.buffers.contains_key(path) || RealFs.is_file(path)
    }

    fn is_dir(&self, path: &Path) -> bool {
        RealFs.is_dir(path)
    }

    fn list(&self, path: &Path) -> Vec<String> {
        let mut names = RealFs.list(path);
        for p in self.buffers.keys() {
            if p.parent() == Some(path) {
                if let Some(name) = p.file_name() {
                    names.push(name.to_string_lossy().into_owned());
                }
            }
        }
        names.sort();
        names.dedup();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_hide_the_disk_and_add_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.te"), "on disk").unwrap();
        let mut fs = Overlay::default();
        fs.set(dir.path().join("a.te"), "edited".into());
        fs.set(dir.path().join("b.te"), "new".into());
        assert_eq!(fs.read_text(&dir.path().join("a.te")).unwrap(), "edited");
        assert!(fs.is_file(&dir.path().join("b.te")));
        assert_eq!(fs.list(dir.path()), ["a.te", "b.te"]);
        fs.remove(&dir.path().join("a.te"));
        assert_eq!(fs.read_text(&dir.path().join("a.te")).unwrap(), "on disk");
        assert_eq!(
            fs.read(&dir.path().join("b.te"), 2),
            Err(LoadError::TooLarge)
        );
    }
}
