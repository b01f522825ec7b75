//! SBX601 and SBX603: file paths and URLs handed to readers and writers.

use rustpython_parser::ast::{self, Constant, Expr, Ranged};

use crate::checker::{span_of, Checker, Deferred, Purpose};
use crate::names::normalise as normalise_name;
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Requires the path given to every file reader and writer (`open`, `pd.read_*`,
    /// `DataFrame.to_*` and `Series.to_*` with a path, `np.load`, `np.save`, `np.savez`,
    /// `np.savetxt`, `np.loadtxt`, `np.genfromtxt`, `np.fromfile`, `ndarray.tofile`,
    /// `ndarray.dump`) to be a string literal, or a variable only ever bound to literals,
    /// that is an absolute path normalising to inside one of the policy's
    /// `writable_path_prefixes` (default `/tmp/`). A relative path resolves against the
    /// sandbox's working directory, `/tmp` (`"signals.csv"` is `/tmp/signals.csv`).
    /// `/tmpx`, `/var/tmp`, `/tmp/../etc`, `../etc/passwd` and `~/...` are rejected, and so are `to_sql`, `to_clipboard` and
    /// `read_clipboard`. `pd.read_csv(io.StringIO(text))` is fine. Dataset names given to
    /// `data.get(...)` may not look like paths (`/etc/passwd`, `../secrets`).
    ///
    /// ## Why is this bad?
    /// The only data a strategy needs arrives through the `data` object. Everything else on
    /// the filesystem is either the host's secrets (`/etc/shadow`, `~/.aws/credentials`,
    /// SSH keys) or something to tamper with (`.bashrc`, a module on the import path).
    /// Computed paths such as `"/tmp/" + name` can be steered anywhere.
    ///
    /// ## Example
    /// ```python
    /// users = pd.read_csv("/etc/passwd", sep=":")
    /// signal.to_csv("/tmp/../etc/cron.d/job")
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// signal.to_csv("/tmp/signals.csv")
    /// ```
    pub(crate) struct FilePathNotAllowed {
        code: "SBX601",
        name: "file-path-not-allowed",
        family: "file-read",
        severity: Error,
        summary: "A file path is not a literal under the policy's allowed directories.",
    }
}

declare_rule! {
    /// ## What it does
    /// Rejects URLs (`http://`, `https://`, `ftp://`, `s3://`, `gs://`, `file:`, `data:`,
    /// any `scheme://`) passed where readers and writers expect a path, and the
    /// `storage_options` keyword that configures remote storage.
    ///
    /// ## Why is this bad?
    /// pandas and numpy fetch URLs themselves: `pd.read_json("https://...")` is a network
    /// request from inside the sandbox, for exfiltration or for pulling in data the
    /// strategy should not see. Network access is not part of a strategy's job.
    ///
    /// ## Example
    /// ```python
    /// sentiment = pd.read_json("https://example.invalid/feed.json")
    /// ```
    ///
    /// Use instead: ask the operator to provide the data through the `data` object.
    /// ```python
    /// sentiment = data.get("alt:sentiment")
    /// ```
    pub(crate) struct UrlNotAllowed {
        code: "SBX603",
        name: "url-not-allowed",
        family: "network",
        severity: Error,
        summary: "A reader or writer is given a URL.",
    }
}

/// Methods on values that take a destination path (optional: without one they return text).
const WRITER_METHODS: &[&str] = &[
    "to_csv",
    "to_json",
    "to_parquet",
    "to_excel",
    "to_feather",
    "to_hdf",
    "to_stata",
    "to_html",
    "to_latex",
    "to_markdown",
    "to_string",
    "to_xml",
    "to_orc",
    "tofile",
    "dump",
];

/// Methods that touch databases or the clipboard: never allowed.
const FORBIDDEN_METHODS: &[&str] = &[
    "to_sql",
    "to_clipboard",
    "read_clipboard",
    "read_sql",
    "read_sql_query",
    "read_sql_table",
    "read_gbq",
    "to_gbq",
];

const PATH_KEYWORDS: &[&str] = &[
    "file",
    "fname",
    "filename",
    "path",
    "path_or_buf",
    "path_or_buffer",
    "filepath_or_buffer",
    "filepath",
    "buf",
    "excel_writer",
    "io",
];

/// `open(...)`.
/// Writers whose path argument is checked at the call site.
pub(crate) fn is_writer(method: &str) -> bool {
    WRITER_METHODS.contains(&method)
}

/// Readers and writers that are never allowed.
pub(crate) fn is_forbidden(method: &str) -> bool {
    FORBIDDEN_METHODS.contains(&method)
}

pub(crate) fn check_open(checker: &mut Checker<'_>, call: &ast::ExprCall) {
    match path_arg(call) {
        Some(arg) => check_arg(checker, arg),
        None => report_path(
            checker,
            span_of(call.range),
            "`open()` without a literal path is not allowed".into(),
        ),
    }
}

/// Module functions: `pandas.read_*`, numpy's loaders and savers.
pub(crate) fn check_module_call(checker: &mut Checker<'_>, path: &str, call: &ast::ExprCall) {
    if path == "finlab.data.get" {
        check_dataset_literal(checker, call);
        return;
    }
    let func = path.rsplit('.').next().unwrap_or(path);
    let reader = path.starts_with("pandas.") && func.starts_with("read_");
    let numpy_io = path.starts_with("numpy.")
        && matches!(
            func,
            "load"
                | "save"
                | "savez"
                | "savez_compressed"
                | "savetxt"
                | "loadtxt"
                | "genfromtxt"
                | "fromfile"
                | "memmap"
        );
    if reader && FORBIDDEN_METHODS.contains(&func) {
        report_forbidden(checker, func, span_of(call.range));
    } else if reader || numpy_io {
        check_storage_options(checker, call);
        match path_arg(call) {
            Some(arg) => check_arg(checker, arg),
            None => report_path(
                checker,
                span_of(call.range),
                format!("`{path}` without a literal path is not allowed"),
            ),
        }
    }
}

/// `data.get("../../etc/passwd")`: dataset names are names, never paths.
fn check_dataset_name(checker: &mut Checker<'_>, call: &ast::ExprCall) {
    let Expr::Attribute(func) = &*call.func else {
        return;
    };
    if !matches!(&*func.value, Expr::Name(n) if normalise_name(&n.id) == "data") {
        return;
    }
    check_dataset_literal(checker, call);
}

/// The dataset name given to `data.get(...)` may not look like a path.
fn check_dataset_literal(checker: &mut Checker<'_>, call: &ast::ExprCall) {
    if let Some(Expr::Constant(c)) = call.args.first() {
        if let Constant::Str(name) = &c.value {
            let traversal = name.starts_with('/')
                || name.starts_with('\\')
                || name.contains('\0')
                || name.split(['/', '\\']).any(|part| part == "..");
            if traversal {
                report_path(
                    checker,
                    span_of(c.range),
                    format!("dataset name {name:?} looks like a file path"),
                );
            }
        }
    }
}

/// Methods on values: `DataFrame.to_csv(path)`, `ndarray.tofile(path)`, ...
pub(crate) fn check_method(checker: &mut Checker<'_>, method: &str, call: &ast::ExprCall) {
    if method == "get" {
        check_dataset_name(checker, call);
        return;
    }
    if FORBIDDEN_METHODS.contains(&method) {
        report_forbidden(checker, method, span_of(call.range));
        return;
    }
    if !WRITER_METHODS.contains(&method) {
        return;
    }
    check_storage_options(checker, call);
    match path_arg(call) {
        None => {}
        Some(Expr::Constant(c)) if matches!(c.value, Constant::None) => {}
        Some(arg) => check_arg(checker, arg),
    }
}

fn report_forbidden(checker: &mut Checker<'_>, func: &str, span: Span) {
    report_path(
        checker,
        span,
        format!("`{func}` reaches databases or the clipboard and is not allowed"),
    );
}

fn check_storage_options(checker: &mut Checker<'_>, call: &ast::ExprCall) {
    for keyword in &call.keywords {
        if keyword
            .arg
            .as_ref()
            .is_some_and(|a| a.as_str() == "storage_options")
        {
            checker.report(
                &UrlNotAllowed::RULE,
                span_of(keyword.range),
                "`storage_options` configures remote storage and is not allowed",
                "read data through the `data` object",
            );
        }
    }
}

fn path_arg(call: &ast::ExprCall) -> Option<&Expr> {
    call.args.first().or_else(|| {
        call.keywords
            .iter()
            .find(|k| {
                k.arg
                    .as_ref()
                    .is_some_and(|a| PATH_KEYWORDS.contains(&a.as_str()))
            })
            .map(|k| &k.value)
    })
}

fn check_arg(checker: &mut Checker<'_>, arg: &Expr) {
    let span = span_of(arg.range());
    match arg {
        Expr::Constant(c) => match &c.value {
            Constant::Str(path) => check_literal(checker, path, span),
            _ => report_path(checker, span, "file path must be a string literal".into()),
        },
        Expr::Name(n) => checker.deferred.push(Deferred::Literal {
            name: normalise_name(&n.id).into_owned(),
            span,
            purpose: Purpose::Path,
        }),
        Expr::Call(inner) if is_memory_buffer(checker, inner) => {}
        _ => report_path(
            checker,
            span,
            "file path must be a string literal, not a computed value".into(),
        ),
    }
}

/// `io.StringIO(...)` / `io.BytesIO(...)`: in-memory buffers, not files.
fn is_memory_buffer(checker: &Checker<'_>, call: &ast::ExprCall) -> bool {
    checker
        .model
        .resolve_path(&call.func)
        .is_some_and(|p| p == "io.StringIO" || p == "io.BytesIO")
}

/// Resolves a path variable after the walk (`values` is `None` when not only literals).
pub(crate) fn resolve(
    checker: &mut Checker<'_>,
    name: &str,
    values: Option<Vec<String>>,
    span: Span,
) {
    match values {
        Some(values) => {
            for value in values {
                check_literal(checker, &value, span);
            }
        }
        None => report_path(
            checker,
            span,
            format!("file path `{name}` is not always a string literal"),
        ),
    }
}

/// The sandbox's working directory, against which relative paths resolve.
const WORKING_DIRECTORY: &str = "/tmp";

pub(crate) fn check_literal(checker: &mut Checker<'_>, path: &str, span: Span) {
    // No file name needs one, and URL parsers drop them (`"ht\ttp://..."` is `http://...`).
    if path.chars().any(char::is_control) {
        report_path(
            checker,
            span,
            format!("file path {path:?} holds control characters"),
        );
        return;
    }
    if let Some(scheme) = url_scheme(path) {
        checker.report(
            &UrlNotAllowed::RULE,
            span,
            format!("`{scheme}` URL {path:?} is not allowed"),
            "strategies have no network access; get data through the `data` object",
        );
        return;
    }
    // The sandbox runs strategies in its working directory, so a relative path is resolved
    // against it (`../` climbing out of it is still caught). `~` is expanded by pandas, so it
    // is never relative.
    let resolved = if path.starts_with('/') || path.starts_with('~') || path.is_empty() {
        path.to_string()
    } else {
        format!("{WORKING_DIRECTORY}/{path}")
    };
    let allowed = normalise(&resolved).is_some_and(|normal| {
        checker.index.path_prefixes().iter().any(|prefix| {
            normal.len() > prefix.len()
                && normal.starts_with(prefix.as_str())
                && normal.as_bytes()[prefix.len()] == b'/'
        })
    });
    if !allowed {
        let prefixes = checker.policy.writable_path_prefixes.join(", ");
        report_path(
            checker,
            span,
            format!("file path {path:?} is outside the allowed directories ({prefixes})"),
        );
    }
}

fn report_path(checker: &mut Checker<'_>, span: Span, message: String) {
    let help = format!(
        "read market data through the `data` object; write only to literal paths under {}",
        checker.policy.writable_path_prefixes.join(", ")
    );
    checker.report(&FilePathNotAllowed::RULE, span, message, help);
}

/// The URL scheme of `path`, if it looks like a URL.
fn url_scheme(path: &str) -> Option<&str> {
    // URL parsers drop leading blanks (`" file:///etc/passwd"`): so does this check.
    let path = path.trim_start_matches(' ');
    let colon = path.find(':')?;
    let scheme = &path[..colon];
    let valid = scheme.len() >= 2
        && scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !valid {
        return None;
    }
    let known = matches!(
        scheme.to_ascii_lowercase().as_str(),
        "http"
            | "https"
            | "ftp"
            | "ftps"
            | "file"
            | "data"
            | "s3"
            | "s3a"
            | "gs"
            | "gcs"
            | "az"
            | "abfs"
            | "abfss"
            | "adl"
            | "hdfs"
            | "webhdfs"
            | "sftp"
            | "ssh"
            | "smb"
            | "zip"
            | "tar"
            | "memory"
            | "github"
            | "git"
            | "http+unix"
            | "ws"
            | "wss"
    );
    (known || path[colon..].starts_with("://")).then_some(scheme)
}

/// Lexically normalises an absolute path (`.`, `..`, repeated `/`); `None` if not absolute
/// or not a plain path (NUL, `~`).
pub(crate) fn normalise(path: &str) -> Option<String> {
    if !path.starts_with('/') || path.contains('\0') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalise_lexically() {
        assert_eq!(
            normalise("/tmp/../etc/shadow").as_deref(),
            Some("/etc/shadow")
        );
        assert_eq!(normalise("/tmp//a/./b").as_deref(), Some("/tmp/a/b"));
        assert_eq!(normalise("/../../tmp/x").as_deref(), Some("/tmp/x"));
        assert_eq!(normalise("relative.csv"), None);
        assert_eq!(normalise("~/.ssh/id_rsa"), None);
    }

    #[test]
    fn urls_are_recognised() {
        assert_eq!(url_scheme("https://x.invalid/a"), Some("https"));
        assert_eq!(url_scheme("s3://bucket/key"), Some("s3"));
        assert_eq!(url_scheme("file:/etc/passwd"), Some("file"));
        assert_eq!(url_scheme("/tmp/a:b.csv"), None);
        assert_eq!(url_scheme("C:/data.csv"), None);
    }
}
