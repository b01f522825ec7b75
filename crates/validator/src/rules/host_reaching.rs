//! SBX403: attributes named after host-reaching modules and functions, on any value.

use crate::checker::Checker;
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Rejects attributes, on any object, that are named after modules and functions that
    /// reach the host: `os`, `sys`, `builtins`, `subprocess`, `ctypes`, `ctypeslib`,
    /// `importlib`, `socket`, `shutil`, `pickle`, `marshal`, `gc`, `inspect`, `runpy`,
    /// `pdb`, `pydoc`, `f2py`, `system`, `popen`, `exec`, `spawn*`, `exec[lv]*`, `fork`,
    /// `kill`, `load_module`, `exec_module`, `settrace`, `setprofile`, `get_referrers`,
    /// `get_referents`, `get_objects`.
    ///
    /// ## Why is this bad?
    /// When a module leaks through a value the attribute allowlist cannot follow (a
    /// function's module, an object handed in by the host), these names are how the leak
    /// is used. No strategy needs an attribute called `os` or `system`.
    ///
    /// ## Example
    /// ```python
    /// def strategy(data):
    ///     data.loader.os.system("id")
    /// ```
    ///
    /// Use instead: the data API.
    /// ```python
    /// def strategy(data):
    ///     return data.get("price:close")
    /// ```
    pub(crate) struct HostReachingAttribute {
        code: "SBX403",
        name: "host-reaching-attribute",
        family: "module-leak",
        severity: Error,
        summary: "An attribute is named after a module or function that reaches the host.",
    }
}

const NAMES: &[&str] = &[
    "os",
    "sys",
    "builtins",
    "subprocess",
    "ctypes",
    "ctypeslib",
    "importlib",
    "socket",
    "posix",
    "nt",
    "shutil",
    "pickle",
    "cPickle",
    "marshal",
    "gc",
    "inspect",
    "multiprocessing",
    "pty",
    "runpy",
    "pdb",
    "pydoc",
    "f2py",
    "codeop",
    "shelve",
    "system",
    "popen",
    "exec",
    "execv",
    "execve",
    "execl",
    "execle",
    "execlp",
    "execlpe",
    "execvp",
    "execvpe",
    "spawnl",
    "spawnle",
    "spawnlp",
    "spawnlpe",
    "spawnv",
    "spawnve",
    "spawnvp",
    "spawnvpe",
    "fork",
    "forkpty",
    "kill",
    "killpg",
    "load_module",
    "exec_module",
    "settrace",
    "setprofile",
    "get_referrers",
    "get_referents",
    "get_objects",
    "getoutput",
    "getstatusoutput",
    "check_output",
    "check_call",
    "Popen",
    "CDLL",
    "PyDLL",
    "cdll",
    "pythonapi",
    "from_custom_template",
];

/// Whether an attribute name reaches the host (also used for names given as strings).
pub(crate) fn is_host_reaching(attr: &str) -> bool {
    NAMES.contains(&attr)
}

/// Reports a host-reaching attribute; true when it was one.
pub(crate) fn check(checker: &mut Checker<'_>, attr: &str, span: Span) -> bool {
    if !is_host_reaching(attr) {
        return false;
    }
    checker.report(
        &HostReachingAttribute::RULE,
        span,
        format!("the attribute `{attr}` reaches the host and is not allowed"),
        "strategies work on the data they are given; processes, modules and memory are off limits",
    );
    true
}
