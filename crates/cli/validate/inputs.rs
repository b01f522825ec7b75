//! Turns the command line's paths into the inputs to check: files as given, Python files found
//! under directories, and standard input. Everything is read before anything is checked, so an
//! unreadable input stops the run before any output is written.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use walkdir::{DirEntry, WalkDir};

use crate::source::InputName;

/// One input to check, read as bytes (the validator decodes them as Python would).
#[derive(Debug)]
pub struct Input {
    /// Where it came from.
    pub name: InputName,
    /// Its contents.
    pub bytes: Vec<u8>,
}

/// Reads every input named by `paths`, in order; directories contribute their Python files in
/// file-name order. `-` is standard input, reported as `stdin_name` if given. An input longer
/// than `limit` bytes is an error (it guards against `/dev/zero` and the like: inputs the
/// policy finds too long are the validator's to report, so `limit` must exceed the policy's).
pub fn collect(paths: &[PathBuf], stdin_name: Option<&Path>, limit: u64) -> Result<Vec<Input>> {
    let mut inputs = Vec::new();
    let mut seen = HashSet::new();
    let mut read_stdin = false;
    for path in paths {
        if path.as_os_str() == "-" {
            if read_stdin {
                bail!("standard input (`-`) is given more than once");
            }
            read_stdin = true;
            let bytes = read_bounded(std::io::stdin().lock(), limit)
                .context("cannot read standard input")?;
            inputs.push(Input {
                name: InputName::Stdin(stdin_name.map(Path::to_path_buf)),
                bytes,
            });
            continue;
        }
        let metadata =
            fs::metadata(path).with_context(|| format!("cannot read `{}`", path.display()))?;
        let files = if metadata.is_dir() {
            let files = python_files(path)?;
            if files.is_empty() {
                bail!(
                    "no Python files in `{}` (hidden files and directories, `__pycache__` and virtual \
                     environments are skipped)",
                    path.display()
                );
            }
            files
        } else {
            // A file named explicitly is checked whatever its extension (pre-commit passes
            // scripts recognised by their shebang).
            vec![tidy(path)]
        };
        for file in files {
            if !seen.insert(file.clone()) {
                continue;
            }
            let bytes = fs::File::open(&file)
                .and_then(|opened| read_bounded(opened, limit))
                .with_context(|| format!("cannot read `{}`", file.display()))?;
            inputs.push(Input {
                name: InputName::Path(file),
                bytes,
            });
        }
    }
    Ok(inputs)
}

/// Reads all of `reader`, failing once it has given more than `limit` bytes.
fn read_bounded(reader: impl Read, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("longer than {limit} bytes"),
        ));
    }
    Ok(bytes)
}

/// The `*.py` files under `dir`, sorted by path, skipping what a project does not own.
fn python_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let walk = WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !skipped(entry));
    for entry in walk {
        let entry = entry.with_context(|| format!("cannot search `{}`", dir.display()))?;
        // Symbolic links are not followed (like ripgrep): a link can point anywhere.
        if entry.file_type().is_file() && entry.path().extension() == Some(OsStr::new("py")) {
            files.push(tidy(entry.path()));
        }
    }
    Ok(files)
}

/// Hidden entries, caches, installed packages and virtual environments.
fn skipped(entry: &DirEntry) -> bool {
    let name = entry.file_name().to_string_lossy();
    if name.starts_with('.') {
        return true;
    }
    entry.file_type().is_dir()
        && (matches!(&*name, "__pycache__" | "node_modules" | "site-packages")
            || entry.path().join("pyvenv.cfg").is_file()
            || entry.path().join("conda-meta").is_dir())
}

/// `path` without a leading `./` or inner `.` components, as people write it.
fn tidy(path: &Path) -> PathBuf {
    let rest = path.strip_prefix(".").unwrap_or(path);
    if rest.as_os_str().is_empty() {
        return path.to_path_buf();
    }
    rest.components().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_bounded() {
        assert_eq!(read_bounded(&b"abc"[..], 3).expect("fits"), b"abc");
        let err = read_bounded(&b"abcd"[..], 3).expect_err("too long");
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
        assert_eq!(err.to_string(), "longer than 3 bytes");
    }

    #[test]
    fn tidy_drops_leading_current_dir() {
        assert_eq!(tidy(Path::new("./a/b.py")), Path::new("a/b.py"));
        assert_eq!(tidy(Path::new("a/./b.py")), Path::new("a/b.py"));
        assert_eq!(tidy(Path::new("../a.py")), Path::new("../a.py"));
        assert_eq!(tidy(Path::new(".")), Path::new("."));
    }
}
