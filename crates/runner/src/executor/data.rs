//! The market data a strategy reads at `/data`: checked, then staged under a neutral name.
//!
//! A host directory bound straight into a container gives away more than its files: a
//! filesystem mounted below it comes along (and stays writable whatever `/data`'s own flags
//! are), a Unix socket in it connects the sandbox to whatever host process listens there, a
//! FIFO or device node is a channel to the host, and `/proc/self/mountinfo` shows the host
//! path it came from. So a data directory is refused when it holds a mount point, socket,
//! FIFO or device node (the error names the entry), and what the container gets is a
//! per-execution copy of its tree under `$TMPDIR/stockade-data/rw/<random>`: directories made
//! afresh, regular files hard-linked (copied where a link is impossible, such as across
//! filesystems), symbolic links recreated as they are (they resolve inside the container).
//! The directory is handed to the strategy whole, so the copy is readable by the sandbox's
//! user whatever the source's bits: directories are made `0755`, and a file others may not
//! read (a `0600` file, anything in a `mktemp -d` tree) is copied as `0644` rather than linked,
//! which leaves the source's own bits alone.
//! The copy holds nothing but files and directories, its path says nothing about the host, and
//! it is removed when the execution's container is.
//!
//! Docker's mount API has no nosuid/nodev/noexec for a bind mount, and runc's read-only
//! remount clears such flags, but a bind mount keeps the flags of the mount it was made from.
//! So where the runner may mount (as root), `stockade-data/ro` is made once a read-only,
//! nosuid, nodev, noexec view of `stockade-data/rw`, and copies are bound from there: under
//! runc `/data` then carries all four flags ([`DataSource::sealed`]). Elsewhere copies are
//! bound from `rw`, read-only only.
//!
//! ```
//! use stockade_runner::executor::data::StagedData;
//!
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("prices.csv"), "close\n1.0\n").unwrap();
//! let staged = StagedData::stage(dir.path()).unwrap();
//! assert!(staged.path().join("prices.csv").is_file());
//! assert!(!staged.path().starts_with(dir.path()));
//! ```

use std::fs;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::error::RunnerError;

/// The directory (under the system's temporary directory) that holds staged copies.
const STAGE_ROOT: &str = "stockade-data";

/// Where staged copies live.
pub fn stage_root() -> PathBuf {
    std::env::temp_dir().join(STAGE_ROOT)
}

/// What a container binds at `/data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSource {
    /// The host path bound.
    pub path: PathBuf,
    /// The path lies on the read-only, nosuid, nodev, noexec view, whose flags a bind mount
    /// keeps as long as the runtime does not remount it.
    pub sealed: bool,
}

/// A staged copy of a data directory; dropping it removes the copy.
#[derive(Debug)]
pub struct StagedData {
    /// Where the copy was written (and is removed from).
    path: PathBuf,
    source: DataSource,
}

impl StagedData {
    /// Checks `dir` and stages its tree (see the module docs). Blocking file-system work: call
    /// it from a blocking context.
    pub fn stage(dir: &Path) -> Result<StagedData, RunnerError> {
        let refuse = |path: &Path, reason: String| RunnerError::DataDir {
            path: path.to_path_buf(),
            reason,
        };
        let source = dir.canonicalize().map_err(io_error(dir))?;
        let meta = fs::metadata(&source).map_err(io_error(&source))?;
        if !meta.is_dir() {
            return Err(refuse(&source, "is not a directory".into()));
        }
        refuse_mounts_below(&source)?;

        let root = stage_root();
        let (rw, ro) = (root.join("rw"), root.join("ro"));
        // Others may pass through but not list: a copy is found only by its random name.
        // Passing through is needed where the runtime opens the copy as a user other than the
        // host's root (gVisor's gofer under Docker's userns-remap).
        for dir in [&root, &rw, &ro] {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o711)
                .create(dir)
                .map_err(io_error(dir))?;
        }
        // Directories made by an earlier version were private; `ro` is a view of `rw`.
        for dir in [&root, &rw] {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o711)).map_err(io_error(dir))?;
        }
        let sealed = seal(&rw, &ro);
        let name = hex::encode(rand::random::<[u8; 16]>());
        let staged = StagedData {
            path: rw.join(&name),
            source: DataSource {
                path: if sealed {
                    ro.join(&name)
                } else {
                    rw.join(&name)
                },
                sealed,
            },
        };
        make_dir(&staged.path)?;
        copy_tree(&source, &staged.path, meta.dev())?;
        Ok(staged)
    }

    /// The staged copy on the host.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the container binds at `/data`.
    pub fn source(&self) -> &DataSource {
        &self.source
    }
}

/// The mount options every sealed view carries.
const SEAL: [&str; 4] = ["ro", "nosuid", "nodev", "noexec"];

/// Makes `ro` a read-only, nosuid, nodev, noexec view of `rw` unless it is one already;
/// whether it is one afterwards. Needs the right to mount (root); without it, copies are
/// bound from `rw`.
fn seal(rw: &Path, ro: &Path) -> bool {
    let sealed = || {
        fs::read_to_string("/proc/self/mountinfo").is_ok_and(|table| {
            mount_options(&table, ro)
                .is_some_and(|o| SEAL.iter().all(|f| o.iter().any(|have| have == f)))
        })
    };
    if sealed() {
        return true;
    }
    let mount = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new("mount")
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let made = mount(&["--bind".as_ref(), rw.as_os_str(), ro.as_os_str()])
        && mount(&[
            "-o".as_ref(),
            "remount,bind,ro,nosuid,nodev,noexec".as_ref(),
            ro.as_os_str(),
        ]);
    if !made {
        tracing::warn!(
            path = %ro.display(),
            "cannot make the read-only, noexec view of staged data (needs root): /data is read-only only"
        );
    }
    sealed()
}

/// The per-mount options of the topmost mount at `point` in a mountinfo text.
fn mount_options(mountinfo: &str, point: &Path) -> Option<Vec<String>> {
    mountinfo.lines().rev().find_map(|line| {
        let mut fields = line.split(' ');
        let at = fields.nth(4)?;
        let options = fields.next()?;
        (Path::new(&unescape(at)) == point).then(|| options.split(',').map(String::from).collect())
    })
}

impl Drop for StagedData {
    fn drop(&mut self) {
        if let Err(e) = fs::remove_dir_all(&self.path) {
            tracing::warn!(path = %self.path.display(), error = %e, "could not remove a staged data copy");
        }
    }
}

/// Removes staged copies older than `max_age`: left by a runner that was killed (no execution
/// lives that long).
pub fn sweep_stale(max_age: Duration) -> usize {
    let Ok(entries) = fs::read_dir(stage_root().join("rw")) else {
        return 0;
    };
    let now = SystemTime::now();
    entries
        .flatten()
        .filter(|e| {
            e.metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age > max_age))
        })
        .filter(|e| fs::remove_dir_all(e.path()).is_ok())
        .count()
}

/// The error for a failed file-system call on `path`.
fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> RunnerError + '_ {
    move |e| RunnerError::DataDir {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// A directory of the copy, which the sandbox's user may list and enter.
fn make_dir(path: &Path) -> Result<(), RunnerError> {
    fs::DirBuilder::new()
        .mode(0o755)
        .create(path)
        .map_err(|e| RunnerError::DataDir {
            path: path.to_path_buf(),
            reason: format!("staging: {e}"),
        })
}

/// Recreates the tree of `from` in `to`, refusing anything but directories, regular files and
/// symbolic links, and any directory on another device than `dev` (a mount point).
fn copy_tree(from: &Path, to: &Path, dev: u64) -> Result<(), RunnerError> {
    let refuse = |path: &Path, reason: &str| RunnerError::DataDir {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    for entry in fs::read_dir(from).map_err(io_error(from))? {
        let entry = entry.map_err(io_error(from))?;
        let src = entry.path();
        let dst = to.join(entry.file_name());
        let meta = fs::symlink_metadata(&src).map_err(io_error(&src))?;
        let kind = meta.file_type();
        if kind.is_socket() {
            return Err(refuse(
                &src,
                "contains a Unix socket (a channel to a host process)",
            ));
        } else if kind.is_fifo() {
            return Err(refuse(
                &src,
                "contains a FIFO (a channel to a host process)",
            ));
        } else if kind.is_block_device() || kind.is_char_device() {
            return Err(refuse(&src, "contains a device node"));
        } else if kind.is_dir() {
            if meta.dev() != dev {
                return Err(refuse(&src, "is a mount point inside the data directory"));
            }
            make_dir(&dst)?;
            copy_tree(&src, &dst, dev)?;
        } else if kind.is_symlink() {
            let target = fs::read_link(&src).map_err(io_error(&src))?;
            std::os::unix::fs::symlink(target, &dst).map_err(io_error(&dst))?;
        } else if meta.mode() & 0o004 == 0 || fs::hard_link(&src, &dst).is_err() {
            // A link would share the source's bits; a copy gets its own.
            fs::copy(&src, &dst).map_err(io_error(&src))?;
            fs::set_permissions(&dst, fs::Permissions::from_mode(0o644)).map_err(io_error(&dst))?;
        }
    }
    Ok(())
}

/// Refuses `dir` when something is mounted below it. Catches bind mounts of the same
/// filesystem, which have the same device number and which the walk alone would miss.
fn refuse_mounts_below(dir: &Path) -> Result<(), RunnerError> {
    let Ok(table) = fs::read_to_string("/proc/self/mountinfo") else {
        // No procfs: the walk's device check still finds other filesystems.
        return Ok(());
    };
    match mount_below(&table, dir) {
        Some(point) => Err(RunnerError::DataDir {
            path: point,
            reason: "is a mount point inside the data directory".into(),
        }),
        None => Ok(()),
    }
}

/// The first mount point strictly below `dir` in a `/proc/self/mountinfo` text.
fn mount_below(mountinfo: &str, dir: &Path) -> Option<PathBuf> {
    mountinfo
        .lines()
        .filter_map(|line| line.split(' ').nth(4))
        .map(|field| PathBuf::from(unescape(field)))
        .find(|point| point != dir && point.starts_with(dir))
}

/// Undoes mountinfo's octal escapes (`\040` for a space, and tab, newline and backslash).
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes.get(i + 1..i + 4).and_then(|d| {
            d.iter()
                .all(|b| (b'0'..=b'7').contains(b))
                .then(|| d.iter().fold(0u32, |n, b| n * 8 + u32::from(b - b'0')))
        });
        match (bytes[i], octal.and_then(|n| u8::try_from(n).ok())) {
            (b'\\', Some(b)) => {
                out.push(b);
                i += 4;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn data() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("daily")).unwrap();
        fs::write(dir.path().join("daily/prices.csv"), "close\n1.0\n").unwrap();
        std::os::unix::fs::symlink("daily/prices.csv", dir.path().join("latest.csv")).unwrap();
        dir
    }

    #[test]
    fn the_copy_has_the_tree_under_a_neutral_name_and_goes_away() {
        let dir = data();
        let staged = StagedData::stage(dir.path()).unwrap();
        let copy = staged.path().to_path_buf();
        assert!(copy.starts_with(stage_root().join("rw")));
        let source = &staged.source().path;
        assert_eq!(source.file_name(), copy.file_name());
        let name = copy.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit()),
            "{name}"
        );
        assert_eq!(
            fs::read_to_string(copy.join("daily/prices.csv")).unwrap(),
            "close\n1.0\n"
        );
        assert_eq!(
            fs::read_link(copy.join("latest.csv")).unwrap(),
            Path::new("daily/prices.csv")
        );
        drop(staged);
        assert!(!copy.exists());
    }

    #[test]
    fn the_copy_is_readable_by_others_and_the_source_keeps_its_bits() {
        let dir = data();
        let private = |p: &Path, mode| fs::set_permissions(p, fs::Permissions::from_mode(mode));
        private(&dir.path().join("daily/prices.csv"), 0o600).unwrap();
        private(&dir.path().join("daily"), 0o700).unwrap();
        private(dir.path(), 0o700).unwrap();
        let staged = StagedData::stage(dir.path()).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().mode() & 0o777;
        assert_eq!(mode(staged.path()), 0o755);
        assert_eq!(mode(&staged.path().join("daily")), 0o755);
        assert_eq!(mode(&staged.path().join("daily/prices.csv")), 0o644);
        assert_eq!(mode(&dir.path().join("daily/prices.csv")), 0o600);
        assert_eq!(mode(&dir.path().join("daily")), 0o700);
    }

    #[test]
    fn sockets_and_fifos_are_refused_by_name() {
        let dir = data();
        let socket = dir.path().join("daily/agent.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        let e = StagedData::stage(dir.path()).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!(
                "data directory {}: contains a Unix socket",
                socket.canonicalize().unwrap().display()
            )),
            "{e}"
        );

        let dir = data();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let e = StagedData::stage(dir.path()).unwrap_err().to_string();
        assert!(e.contains("pipe: contains a FIFO"), "{e}");
    }

    #[test]
    fn mount_points_below_are_found_in_the_mount_table() {
        let table = "22 1 8:1 / / rw - ext4 /dev/vda rw\n\
                     40 22 0:50 / /srv/market\\040data/x rw - tmpfs tmpfs rw\n";
        assert_eq!(
            mount_below(table, Path::new("/srv/market data")),
            Some(PathBuf::from("/srv/market data/x"))
        );
        assert_eq!(mount_below(table, Path::new("/srv/market data/x")), None);
        assert_eq!(mount_below(table, Path::new("/srv/market")), None);
        assert_eq!(
            mount_options(table, Path::new("/srv/market data/x")),
            Some(vec!["rw".to_string()])
        );
    }
}
