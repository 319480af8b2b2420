//! Where a configuration's files come from: the file system ([`SystemFiles`]), or a set of files in
//! memory ([`MemoryFiles`]) for tests, fuzzing and programs that keep their configuration
//! elsewhere. [`parse_file_with`](super::parse_file_with) reads through either.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// The file access the reader needs: a file's text, a directory's entries (for `include` globs),
/// and whether a path exists.
pub trait ConfigFiles {
    /// The text of the file at `path`.
    fn read(&self, path: &Path) -> io::Result<String>;
    /// The names of the entries of directory `dir` (`.` for the current directory).
    fn list(&self, dir: &Path) -> io::Result<Vec<String>>;
    /// Whether something exists at `path`.
    fn exists(&self, path: &Path) -> bool;
}

/// The file system.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemFiles;

impl ConfigFiles for SystemFiles {
    fn read(&self, path: &Path) -> io::Result<String> {
        std::fs::read_to_string(path)
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        std::fs::read_dir(dir)?
            .map(|entry| Ok(entry?.file_name().to_string_lossy().into_owned()))
            .collect()
    }

    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }
}

/// Files in memory, by path; the directories are those the paths imply.
///
/// ```
/// use vrrp::keepalived::{MemoryFiles, parse_file_with};
///
/// let mut files = MemoryFiles::default();
/// files.insert("/etc/keepalived/keepalived.conf", "include conf.d/*.conf\n");
/// files.insert(
///     "/etc/keepalived/conf.d/vi_1.conf",
///     "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n \
///      virtual_ipaddress {\n  192.0.2.100/24\n }\n}\n",
/// );
/// let config = parse_file_with(&files, "/etc/keepalived/keepalived.conf")?;
/// assert_eq!(config.instances[0].name, "VI_1");
/// # Ok::<(), vrrp::keepalived::ConfigFileError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct MemoryFiles {
    files: BTreeMap<PathBuf, String>,
}

impl MemoryFiles {
    /// Adds (or replaces) the file at `path` with `text`.
    pub fn insert(&mut self, path: impl Into<PathBuf>, text: impl Into<String>) {
        self.files.insert(path.into(), text.into());
    }
}

impl ConfigFiles for MemoryFiles {
    fn read(&self, path: &Path) -> io::Result<String> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "No such file or directory"))
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        let mut names: Vec<String> = self
            .files
            .keys()
            .filter_map(|path| {
                let rest = path.strip_prefix(dir).ok()?;
                let first = rest.components().next()?;
                Some(first.as_os_str().to_string_lossy().into_owned())
            })
            .collect();
        names.dedup();
        if names.is_empty() && !self.exists(dir) {
            return Err(io::Error::new(io::ErrorKind::NotFound, "No such directory"));
        }
        Ok(names)
    }

    fn exists(&self, path: &Path) -> bool {
        self.files.keys().any(|file| file.starts_with(path))
    }
}
