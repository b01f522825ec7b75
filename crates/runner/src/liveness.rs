//! Liveness records: how one runner proves to another that it is still alive.
//!
//! Each runner instance holds an exclusive advisory lock on its own file,
//! `<state dir>/instances/<instance>.lock`, for as long as it lives; the kernel releases the
//! lock when the process dies, however it dies (`kill -9` included). A sweep decides that an
//! instance is dead only when its file is absent or the lock is not held, which it tests with
//! a shared, non-blocking lock of its own. Host names and PIDs prove nothing: a runner in
//! another PID namespace can share both with a dead one.
//!
//! A record can only be tested from where it can be seen. The state directory carries a
//! random *domain* id, and every container records the domain of its runner; a container
//! from another domain (another host on a shared engine, a runner in another mount
//! namespace, another user's state directory) is never judged dead, because nothing here
//! could prove it. Those are removed by naming them (`stockade cleanup --instance` / `--all`).
//!
//! ```no_run
//! use stockade_runner::liveness::{Liveness, StateDir};
//!
//! let dir = StateDir::locate()?;
//! let record = Liveness::hold(&dir, "0123abcd")?;
//! assert!(dir.is_alive("0123abcd"));
//! drop(record); // released: the instance now tests as dead
//! assert!(!dir.is_alive("0123abcd"));
//! # Ok::<(), stockade_runner::error::RunnerError>(())
//! ```

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use crate::error::RunnerError;

/// Environment variable naming the state directory (default: `/var/lib/stockade`, or the
/// user's state directory when that cannot be created).
pub const STATE_DIR_ENV: &str = "STOCKADE_STATE_DIR";

/// Where liveness records live. The default is on persistent storage so its domain id
/// survives a reboot (and containers from before it are still judged, and found dead: locks
/// do not survive a reboot).
const DEFAULT_STATE_DIR: &str = "/var/lib/stockade";

/// A state directory and its domain id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDir {
    instances: PathBuf,
    domain: String,
}

impl StateDir {
    /// The state directory from [`STATE_DIR_ENV`], else the default, else (unprivileged
    /// users) `$XDG_STATE_HOME/stockade` or `~/.local/state/stockade`; created if missing.
    pub fn locate() -> Result<StateDir, RunnerError> {
        if let Some(dir) = std::env::var_os(STATE_DIR_ENV).filter(|d| !d.is_empty()) {
            return StateDir::open(Path::new(&dir));
        }
        match StateDir::open(Path::new(DEFAULT_STATE_DIR)) {
            Ok(dir) => Ok(dir),
            Err(system) => {
                let user = std::env::var_os("XDG_STATE_HOME")
                    .filter(|d| !d.is_empty())
                    .map(PathBuf::from)
                    .or_else(|| {
                        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state"))
                    });
                match user {
                    Some(base) => StateDir::open(&base.join("stockade")),
                    None => Err(system),
                }
            }
        }
    }

    /// Opens (creating it if needed) the state directory at `root`.
    pub fn open(root: &Path) -> Result<StateDir, RunnerError> {
        let instances = root.join("instances");
        std::fs::create_dir_all(&instances).map_err(|e| error(&instances, "creating", &e))?;
        let domain = read_or_create_domain(&root.join("domain"))?;
        Ok(StateDir { instances, domain })
    }

    /// The random id of this state directory: runners that see the same directory can test
    /// each other's records.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// Where `instance`'s record is. Whatever holds an exclusive `flock` on this file (another
    /// tool, `flock(1)`) keeps the instance alive.
    pub fn record_path(&self, instance: &str) -> PathBuf {
        self.instances.join(format!("{instance}.lock"))
    }

    /// True while some process holds `instance`'s record. An instance id that could not be
    /// a file name is never ours to judge, so it counts as alive.
    pub fn is_alive(&self, instance: &str) -> bool {
        if !valid_instance(instance) {
            return true;
        }
        let path = self.record_path(instance);
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == ErrorKind::NotFound => return false,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot test a liveness record; assuming alive");
                return true;
            }
        };
        let lock = fd_lock::RwLock::new(file);
        let alive = match lock.try_read() {
            Ok(_) => false,
            Err(e) if e.kind() == ErrorKind::WouldBlock => true,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot test a liveness record; assuming alive");
                true
            }
        };
        alive
    }

    /// Removes the record of an instance that tested dead (after its containers are gone), so
    /// records of killed runners do not pile up. A record that is held again is left alone.
    pub fn forget_dead(&self, instance: &str) {
        if valid_instance(instance) && !self.is_alive(instance) {
            let _ = std::fs::remove_file(self.record_path(instance));
        }
    }
}

/// A held liveness record; dropping it removes the file and releases the lock.
#[derive(Debug)]
pub struct Liveness {
    path: PathBuf,
    /// The open, exclusively locked record. The guard that `try_write` returns borrows the
    /// lock, so it is forgotten instead of stored: the lock is held until this file is closed.
    _file: fd_lock::RwLock<File>,
}

impl Liveness {
    /// Creates and locks `instance`'s record. The file is locked before it gets its name (a
    /// locked temporary file renamed into place), so a sweep never sees it unlocked while
    /// its runner lives.
    pub fn hold(dir: &StateDir, instance: &str) -> Result<Liveness, RunnerError> {
        if !valid_instance(instance) {
            return Err(RunnerError::Liveness {
                path: dir.instances.clone(),
                reason: format!("{instance:?} is not a valid instance id"),
            });
        }
        let path = dir.record_path(instance);
        let temp = dir.instances.join(format!(".{instance}.new"));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| error(&temp, "creating", &e))?;
        let mut lock = fd_lock::RwLock::new(file);
        let locked = lock
            .try_write()
            .map(std::mem::forget)
            .and_then(|()| std::fs::rename(&temp, &path));
        if let Err(e) = locked {
            let _ = std::fs::remove_file(&temp);
            return Err(error(&path, "locking", &e));
        }
        Ok(Liveness { path, _file: lock })
    }
}

impl Drop for Liveness {
    fn drop(&mut self) {
        // Removed while still locked: a sweep finds either a held record or none.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Instance ids are ours (hex), but labels can be set by anyone who can create containers:
/// only plain names are turned into paths.
fn valid_instance(instance: &str) -> bool {
    !instance.is_empty()
        && instance.len() <= 64
        && instance
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Reads the domain id, or creates it: written to a temporary file and hard-linked into place,
/// so concurrent first runners agree on one id and none reads a half-written one.
fn read_or_create_domain(path: &Path) -> Result<String, RunnerError> {
    if let Some(domain) = read_domain(path)? {
        return Ok(domain);
    }
    let bytes: [u8; 16] = rand::random();
    let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let temp = path.with_extension(format!("{id}.new"));
    let written = File::create(&temp)
        .and_then(|mut f| f.write_all(id.as_bytes()).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::hard_link(&temp, path));
    let _ = std::fs::remove_file(&temp);
    match written {
        Ok(()) => Ok(id),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            read_domain(path)?.ok_or_else(|| RunnerError::Liveness {
                path: path.to_path_buf(),
                reason: "the domain id is empty".into(),
            })
        }
        Err(e) => Err(error(path, "creating", &e)),
    }
}

fn read_domain(path: &Path) -> Result<Option<String>, RunnerError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text.trim().to_string()).filter(|d| !d.is_empty())),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(error(path, "reading", &e)),
    }
}

fn error(path: &Path, doing: &str, e: &std::io::Error) -> RunnerError {
    RunnerError::Liveness {
        path: path.to_path_buf(),
        reason: format!("{doing}: {e} (set {STATE_DIR_ENV} to a writable directory)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_record_is_alive_and_a_released_one_is_not() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = StateDir::open(tmp.path()).expect("state dir");
        assert!(!dir.is_alive("abc"), "no record: dead");
        let record = Liveness::hold(&dir, "abc").expect("hold");
        // Tested through a second open file, as another process would.
        assert!(dir.is_alive("abc"));
        // A sweep's test does not take the lock away.
        assert!(dir.is_alive("abc"));
        drop(record);
        assert!(!dir.is_alive("abc"));
        assert!(!dir.record_path("abc").exists());
    }

    #[test]
    fn a_record_left_unlocked_is_dead_and_forgotten() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = StateDir::open(tmp.path()).expect("state dir");
        // What a killed runner leaves: the file, with nobody holding its lock.
        std::fs::write(dir.record_path("dead"), b"").expect("write");
        assert!(!dir.is_alive("dead"));
        dir.forget_dead("dead");
        assert!(!dir.record_path("dead").exists());
        // A live one is not forgotten.
        let _held = Liveness::hold(&dir, "live").expect("hold");
        dir.forget_dead("live");
        assert!(dir.is_alive("live"));
    }

    #[test]
    fn the_domain_is_stable_and_shared() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let a = StateDir::open(tmp.path()).expect("first");
        let b = StateDir::open(tmp.path()).expect("second");
        assert_eq!(a.domain(), b.domain());
        assert_eq!(a.domain().len(), 32);
        let other = tempfile::tempdir().expect("tempdir");
        assert_ne!(
            a.domain(),
            StateDir::open(other.path()).expect("other").domain()
        );
    }

    #[test]
    fn labels_are_not_paths() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = StateDir::open(tmp.path()).expect("state dir");
        assert!(dir.is_alive("../../etc/passwd"));
        assert!(dir.is_alive(""));
        assert!(Liveness::hold(&dir, "a/b").is_err());
    }
}
