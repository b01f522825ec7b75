//! The audit-hook policy: which events user code may raise, and where it may read and write.
//!
//! Everything here is Rust data behind a `OnceLock`: no Python object holds the policy, so
//! user code cannot find it with `gc`, rewrite closure cells or unregister the hook.

use std::ffi::{c_char, c_int, c_void, CStr, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use pyo3::exceptions::PyRuntimeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyInt, PyString, PyTuple};

use crate::SandboxViolation;

/// Audit events refused outright.
const DENIED_EVENTS: &[&str] = &[
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.fork",
    "os.forkpty",
    "os.kill",
    "os.killpg",
    "os.startfile",
    "subprocess.Popen",
    "pty.spawn",
    "sys.remote_exec",
    "_posixsubprocess.fork_exec",
];
/// Event families refused outright.
const DENIED_PREFIXES: &[&str] = &["socket.", "ctypes.", "_ctypes.", "winreg.", "msvcrt."];
/// Top-level modules that may not be imported (numpy's own ctypes import is dropped from
/// `sys.modules` by the harness before the hook is installed, so a user import is real).
const DENIED_IMPORTS: &[&str] = &["ctypes", "_ctypes", "cffi", "_cffi_backend"];
/// Filesystem-changing events whose first two arguments may be paths: allowed under the
/// writable roots only.
const PATH_WRITE_EVENTS: &[&str] = &[
    "os.chmod",
    "os.chown",
    "os.chflags",
    "os.lchflags",
    "os.mkdir",
    "os.remove",
    "os.rename",
    "os.rmdir",
    "os.truncate",
    "os.utime",
    "os.setxattr",
    "os.removexattr",
    "os.link",
    "os.symlink",
    "shutil.rmtree",
    "shutil.move",
    "shutil.copyfile",
];
/// Events that list or inspect a path: allowed under the readable roots.
const PATH_READ_EVENTS: &[&str] = &[
    "os.listdir",
    "os.scandir",
    "os.listxattr",
    "os.getxattr",
    "glob.glob",
];

/// `open()` flags that mean writing.
const WRITE_FLAGS: i64 =
    (libc::O_WRONLY | libc::O_RDWR | libc::O_CREAT | libc::O_TRUNC | libc::O_APPEND) as i64;
/// Symlinks followed before a path counts as a loop (the kernel's own limit).
const MAX_SYMLINK_HOPS: usize = 40;

struct Policy {
    writable: Vec<PathBuf>,
    readable: Vec<PathBuf>,
}

static POLICY: OnceLock<Policy> = OnceLock::new();

type AuditHook = unsafe extern "C" fn(*const c_char, *mut ffi::PyObject, *mut c_void) -> c_int;

extern "C" {
    // Part of CPython's C API since 3.8, but not of the limited API that pyo3's abi3 build
    // exposes; the interpreter that loads this module provides it.
    fn PySys_AddAuditHook(hook: AuditHook, user_data: *mut c_void) -> c_int;
}

/// Freeze the policy and register the hook. Only the first call does anything: a second
/// (from user code, say) cannot widen the roots.
pub fn install(py: Python<'_>, writable: Vec<String>, readable: Vec<String>) -> PyResult<()> {
    let resolve_all = |roots: Vec<String>| -> Vec<PathBuf> {
        roots.iter().filter_map(|r| resolve(Path::new(r))).collect()
    };
    let writable = resolve_all(writable);
    let mut readable_roots = writable.clone();
    readable_roots.extend(resolve_all(readable));
    let policy = Policy {
        writable,
        readable: readable_roots,
    };
    if POLICY.set(policy).is_err() {
        return Err(PyRuntimeError::new_err(
            "the sandbox policy is already installed",
        ));
    }
    // SAFETY: `hook` has the signature CPython expects and stays valid for the life of the
    // process (it is a plain function of a module that is never unloaded).
    let status = unsafe { PySys_AddAuditHook(hook, std::ptr::null_mut()) };
    if status != 0 {
        return Err(PyErr::take(py).unwrap_or_else(|| {
            PyRuntimeError::new_err("the interpreter refused the sandbox audit hook")
        }));
    }
    Ok(())
}

unsafe extern "C" fn hook(event: *const c_char, args: *mut ffi::PyObject, _: *mut c_void) -> c_int {
    // SAFETY: CPython calls audit hooks from a thread attached to the interpreter, with a
    // NUL-terminated event name and a borrowed tuple of arguments, both valid for the call.
    let py = unsafe { Python::assume_attached() };
    let event = unsafe { CStr::from_ptr(event) }.to_str().unwrap_or("");
    if args.is_null() {
        return 0;
    }
    let args = unsafe { Bound::from_borrowed_ptr(py, args) };
    let Ok(args) = args.cast_into::<PyTuple>() else {
        return 0;
    };
    match check(event, &args) {
        Ok(()) => 0,
        Err(err) => {
            err.restore(py);
            -1
        }
    }
}

fn check(event: &str, args: &Bound<'_, PyTuple>) -> PyResult<()> {
    let Some(policy) = POLICY.get() else {
        return Ok(());
    };
    if DENIED_EVENTS.contains(&event) || DENIED_PREFIXES.iter().any(|p| event.starts_with(p)) {
        return Err(violation(format!(
            "{event} is not permitted in the sandbox"
        )));
    }
    let arg = |i: usize| args.get_item(i).ok();
    match event {
        "import" => {
            if let Some(name) = arg(0).and_then(|a| a.extract::<String>().ok()) {
                let top = name.split('.').next().unwrap_or_default();
                if DENIED_IMPORTS.contains(&top) {
                    return Err(violation(format!(
                        "importing {name} is not permitted in the sandbox"
                    )));
                }
            }
            Ok(())
        }
        "open" => {
            let Some(path) = arg(0).and_then(|a| path_of(&a)) else {
                return Ok(());
            };
            let mode_writes = arg(1)
                .and_then(|m| m.extract::<String>().ok())
                .is_some_and(|m| m.contains(['w', 'a', 'x', '+']));
            let flags_write = arg(2)
                .and_then(|f| f.extract::<i64>().ok())
                .is_some_and(|f| f & WRITE_FLAGS != 0);
            let writing = mode_writes || flags_write;
            let roots = if writing {
                &policy.writable
            } else {
                &policy.readable
            };
            if !under(&path, roots) {
                let verb = if writing { "writing" } else { "reading" };
                return Err(violation(format!(
                    "{verb} {} is not permitted in the sandbox",
                    path.display()
                )));
            }
            Ok(())
        }
        _ if PATH_WRITE_EVENTS.contains(&event) => {
            for i in 0..2 {
                if let Some(path) = arg(i).filter(|a| is_path_like(a)).and_then(|a| path_of(&a)) {
                    if !under(&path, &policy.writable) {
                        return Err(violation(format!(
                            "{event} on {} is not permitted in the sandbox",
                            path.display()
                        )));
                    }
                }
            }
            Ok(())
        }
        _ if PATH_READ_EVENTS.contains(&event) => {
            let Some(first) = arg(0) else { return Ok(()) };
            // `os.listdir(None)` etc. list the working directory.
            let path = if first.is_none() {
                resolve(Path::new(".")).unwrap_or_default()
            } else {
                match path_of(&first) {
                    Some(path) => path,
                    None => return Ok(()),
                }
            };
            if !under(&path, &policy.readable) {
                return Err(violation(format!(
                    "{event} on {} is not permitted in the sandbox",
                    path.display()
                )));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn violation(message: String) -> PyErr {
    SandboxViolation::new_err(message)
}

fn is_path_like(arg: &Bound<'_, PyAny>) -> bool {
    arg.is_instance_of::<PyString>()
        || arg.is_instance_of::<PyBytes>()
        || arg.hasattr("__fspath__").unwrap_or(false)
}

/// The absolute, symlink-free path an argument names; `None` for a file descriptor (nothing
/// to check). A path that cannot be converted or resolved becomes the empty path, which is
/// under no root and so refused.
fn path_of(arg: &Bound<'_, PyAny>) -> Option<PathBuf> {
    if arg.is_instance_of::<PyInt>() {
        return None;
    }
    Some(
        fs_bytes(arg)
            .and_then(|raw| resolve(Path::new(OsStr::from_bytes(&raw))))
            .unwrap_or_default(),
    )
}

/// `os.fsencode(os.fspath(arg))`, through the C API so that user code that replaced `os`
/// functions changes nothing.
fn fs_bytes(arg: &Bound<'_, PyAny>) -> Option<Vec<u8>> {
    let py = arg.py();
    // SAFETY: `arg` is a live object; PyOS_FSPath returns a new reference or NULL with an
    // exception set, which `from_owned_ptr_or_err` takes over.
    let fspath =
        unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyOS_FSPath(arg.as_ptr())) }.ok()?;
    if let Ok(bytes) = fspath.cast::<PyBytes>() {
        return Some(bytes.as_bytes().to_vec());
    }
    // SAFETY: as above; the result is a bytes object.
    let encoded = unsafe {
        Bound::from_owned_ptr_or_err(py, ffi::PyUnicode_EncodeFSDefault(fspath.as_ptr()))
    }
    .ok()?;
    encoded
        .cast::<PyBytes>()
        .ok()
        .map(|b| b.as_bytes().to_vec())
}

/// Resolve `raw` as the kernel would: relative to the working directory, every symlink
/// followed, components in order (so `link/..` is the parent of the link's target, not a
/// lexical cancellation a symlink could abuse). A component that does not exist is kept as
/// it is. `None` for a symlink loop or an unknown working directory.
fn resolve(raw: &Path) -> Option<PathBuf> {
    let absolute = if raw.is_absolute() {
        raw.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(raw)
    };
    let mut pending: Vec<Vec<u8>> = components(absolute.as_os_str().as_bytes());
    pending.reverse();
    let mut done: Vec<Vec<u8>> = Vec::new();
    let mut hops = 0;
    while let Some(part) = pending.pop() {
        if part == b".." {
            done.pop();
            continue;
        }
        done.push(part);
        let candidate = join(&done);
        let Ok(meta) = std::fs::symlink_metadata(&candidate) else {
            continue; // does not exist (yet): nothing to follow
        };
        if !meta.file_type().is_symlink() {
            continue;
        }
        done.pop();
        hops += 1;
        if hops > MAX_SYMLINK_HOPS {
            return None;
        }
        let target = std::fs::read_link(&candidate).ok()?;
        let target = target.as_os_str().as_bytes();
        if target.starts_with(b"/") {
            done.clear();
        }
        for part in components(target).into_iter().rev() {
            pending.push(part);
        }
    }
    Some(join(&done))
}

fn components(path: &[u8]) -> Vec<Vec<u8>> {
    path.split(|&b| b == b'/')
        .filter(|p| !p.is_empty() && *p != b".")
        .map(<[u8]>::to_vec)
        .collect()
}

fn join(parts: &[Vec<u8>]) -> PathBuf {
    let mut out = Vec::new();
    for part in parts {
        out.push(b'/');
        out.extend_from_slice(part);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    PathBuf::from(OsStr::from_bytes(&out))
}

fn under(path: &Path, roots: &[PathBuf]) -> bool {
    !path.as_os_str().is_empty() && roots.iter().any(|root| path.starts_with(root))
}
