//! SBX101 and SBX104: imports are an allowlist.

use rustpython_parser::ast::{self, Ranged};

use crate::checker::{span_of, Checker};
use crate::index::PathVerdict;
use crate::names::normalise;
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Rejects `import m` and `from m import x` unless `m` is in the policy's
    /// `allowed_imports`: by default pandas, numpy (and `numpy.linalg`, `numpy.random`),
    /// math, statistics, datetime, time, calendar, zoneinfo, collections, itertools,
    /// functools, operator, typing, dataclasses, enum, abc, decimal, fractions, numbers,
    /// json, re, random, bisect, heapq, copy, string, textwrap, and the strategy API's
    /// `finlab` data module. `import a.b` binds `a`, so `import os.path` is an import of `os`.
    /// Module names are compared after NFKC normalisation, as Python does.
    ///
    /// ## Why is this bad?
    /// A blocklist is never complete: `os`, `subprocess`, `socket`, `ctypes`, `importlib`,
    /// `pickle`, `runpy`, `pydoc`, `cProfile`, `pdb`, `code`, `gc`, `sys`, `builtins`,
    /// `asyncio`, `http`, `logging.handlers` and hundreds more each run commands, load code,
    /// reach the network or the host. Only modules known to be safe are allowed, and the
    /// operator, not the code, decides the list.
    ///
    /// ## Example
    /// ```python
    /// import subprocess
    /// from os import system as rebalance
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import pandas as pd
    /// from finlab import data
    /// ```
    pub(crate) struct ImportNotAllowed {
        code: "SBX101",
        name: "import-not-allowed",
        family: "dangerous-import",
        severity: Error,
        summary: "The code imports a module the policy does not allow.",
    }
}

declare_rule! {
    /// ## What it does
    /// Rejects `from m import name` when `name` is not an allowed attribute path of the
    /// allowed module `m` (the same allowlist `m.name` is checked against): for example
    /// `from string import Formatter`, `from random import _os`, `from pandas import io`.
    ///
    /// ## Why is this bad?
    /// Allowed modules carry dangerous members: `string.Formatter` resolves attribute paths
    /// from strings, `pandas.io` leads to `pandas.io.common.os`. Importing a member by name
    /// must pass the same allowlist as reaching it by attribute.
    ///
    /// ## Example
    /// ```python
    /// from string import Formatter
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from string import Template
    /// ```
    pub(crate) struct ImportedNameNotAllowed {
        code: "SBX104",
        name: "imported-name-not-allowed",
        family: "module-leak",
        severity: Error,
        summary: "The code imports a member of a module that the policy does not allow.",
    }
}

/// Why a well-known module is refused, for the message.
fn reason(module: &str) -> Option<&'static str> {
    let top = module.split('.').next().unwrap_or(module);
    Some(match top {
        "os" | "posix" | "nt" | "subprocess" | "pty" | "multiprocessing" | "signal" => {
            "it runs commands or controls processes"
        }
        "socket" | "http" | "urllib" | "requests" | "ftplib" | "smtplib" | "xmlrpc" | "asyncio"
        | "ssl" | "telnetlib" | "poplib" | "imaplib" | "socketserver" => "it reaches the network",
        "ctypes" | "cffi" | "_ctypes" => "it reads and writes raw memory",
        "pickle" | "cPickle" | "_pickle" | "shelve" | "marshal" | "dill" | "joblib" | "copyreg" => {
            "it deserialises objects, which runs code"
        }
        "importlib" | "imp" | "pkgutil" | "zipimport" | "runpy" | "pydoc" | "code" | "codeop"
        | "timeit" | "cProfile" | "profile" | "doctest" | "trace" => {
            "it runs code from strings or files"
        }
        "pdb" | "bdb" => "it starts an interactive debugger",
        "sys" | "builtins" | "gc" | "inspect" | "traceback" | "types" | "threading" | "_thread" => {
            "it exposes interpreter internals"
        }
        "io" | "pathlib" | "shutil" | "glob" | "tempfile" | "zipfile" | "tarfile" | "sqlite3"
        | "fileinput" | "linecache" | "mmap" => "it reads or writes files",
        "logging" => "its handlers write files and reach the network",
        "codecs" => "its codecs turn text into code-bearing text",
        _ => return None,
    })
}

fn report(checker: &mut Checker<'_>, module: &str, span: Span) {
    let why = reason(module).map_or_else(String::new, |r| format!(" ({r})"));
    checker.report(
        &ImportNotAllowed::RULE,
        span,
        format!("import of `{module}` is not allowed{why}"),
        "use the allowed modules (pandas, numpy, math, statistics, datetime, ...) and the `data` object for market data",
    );
}

pub(crate) fn check_import(checker: &mut Checker<'_>, stmt: &ast::StmtImport) {
    for alias in &stmt.names {
        let module = dotted(&alias.name);
        if !checker.index.import_allowed(&module) {
            report(checker, &module, span_of(alias.range()));
        }
    }
}

pub(crate) fn check_import_from(checker: &mut Checker<'_>, stmt: &ast::StmtImportFrom) {
    let Some(module) = &stmt.module else {
        return;
    };
    if stmt.level.is_some_and(|l| l.to_u32() > 0) {
        return;
    }
    let module = dotted(module);
    let span = span_of(stmt.range());
    // One allowlist: `from numpy.lib.stride_tricks import sliding_window_view` is allowed
    // when `np.lib.stride_tricks.sliding_window_view` is, even though the submodule itself
    // is not importable.
    let segments: Vec<&str> = module.split('.').collect();
    let namespace = !checker.index.import_allowed(&module)
        && segments
            .first()
            .is_some_and(|top| checker.index.import_allowed(top))
        && checker.index.check_path(&segments) == PathVerdict::Namespace;
    if !checker.index.import_allowed(&module) && !namespace {
        report(checker, &module, span);
        return;
    }
    for alias in &stmt.names {
        let name = normalise(&alias.name).into_owned();
        if name == "*" {
            continue;
        }
        let full = format!("{module}.{name}");
        if checker.index.import_allowed(&full) {
            continue;
        }
        let segments: Vec<&str> = full.split('.').collect();
        let verdict = checker.index.check_path(&segments);
        let denied = matches!(verdict, PathVerdict::Denied { .. })
            || (namespace && verdict == PathVerdict::Namespace);
        if denied {
            checker.report(
                &ImportedNameNotAllowed::RULE,
                span_of(alias.range()),
                format!("`{full}` is not an allowed member of `{module}`"),
                "import only the documented, allowed members of the module",
            );
        } else if name.starts_with('_') {
            checker.report(
                &ImportedNameNotAllowed::RULE,
                span_of(alias.range()),
                format!("`{full}` is a private member of `{module}`"),
                "import only public members",
            );
        }
    }
}

fn dotted(name: &str) -> String {
    name.split('.')
        .map(|p| normalise(p).into_owned())
        .collect::<Vec<_>>()
        .join(".")
}
