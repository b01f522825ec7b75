//! SBX604 and SBX105: sinks handed around as values, and plotting backends that import
//! modules by name.

use rustpython_parser::ast::{self, Constant, Expr, Ranged};

use crate::checker::{span_of, Checker};
use crate::names::normalise;
use crate::rules::io_paths;
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Rejects any reference to a sink other than a direct call: file readers and writers
    /// (`pd.read_*`, `DataFrame.to_*` writers, `np.load`, `np.save*`, `np.loadtxt`,
    /// `np.fromfile`, `ndarray.tofile`, ...), `DataFrame.query`/`eval` and `pd.eval`,
    /// pickle (`read_pickle`, `to_pickle`), `operator.attrgetter`/`methodcaller`,
    /// `pd.set_option` and the `.plot` accessor. A sink passed to `map`, `functools.partial`,
    /// `reduce`, `Series.apply` or `DataFrame.pipe`, stored in a variable, list, dict, class
    /// attribute or default, returned, or used as a decorator is a finding, and so is a call
    /// to a sink with `*args`, or with `**mapping` unless the mapping is a literal dict with
    /// string keys (its keys are then checked like keywords). `agg`/`aggregate`/`apply`/
    /// `transform`/`pipe`, `types.SimpleNamespace` and plotting calls count as sinks for
    /// `*`/`**`. Methods of the code's own classes
    /// (`self.query`, `Rule().eval`) are not sinks.
    ///
    /// ## Why is this bad?
    /// The path, query, pickle and template checks look at a sink's arguments where it is
    /// called. Handed around as a value, the sink is called somewhere else with arguments no
    /// rule sees: `list(map(pd.read_csv, ["/etc/passwd"]))` reads the host's files and
    /// `save = df.to_csv; save(path)` writes anywhere.
    ///
    /// ## Example
    /// ```python
    /// from functools import partial
    /// load = partial(np.load, allow_pickle=True)
    /// frames = list(map(pd.read_csv, paths))
    /// ```
    ///
    /// Use instead: call the sink directly, with literal arguments.
    /// ```python
    /// frame = pd.read_csv("/tmp/input.csv")
    /// ```
    pub(crate) struct SinkAsValue {
        code: "SBX604",
        name: "sink-as-value",
        family: "file-read",
        severity: Error,
        summary: "A reader, writer, eval or pickle callable is used other than by a direct call.",
    }
}

declare_rule! {
    /// ## What it does
    /// Rejects choosing a plotting backend: `pd.set_option("plotting.backend", ...)` and
    /// `pd.option_context(...)` with it, and the `backend=` keyword of any call (`.plot(...)`
    /// and its methods, `.hist`, `.boxplot`). `set_option`/`option_context` must name their
    /// options with string literals, and plotting calls take no `*`/`**` arguments
    /// (`pd.options.plotting.backend = ...` is module tampering, SBX801).
    ///
    /// ## Why is this bad?
    /// pandas imports the plotting backend by its module name, so naming one is an import
    /// that the import allowlist never sees: `df.plot(backend="os")` imports any installed
    /// module and calls into it.
    ///
    /// ## Example
    /// ```python
    /// pd.set_option("plotting.backend", "antigravity")
    /// ```
    ///
    /// Use instead: leave the backend alone (strategies return signals, not plots).
    pub(crate) struct PlottingBackend {
        code: "SBX105",
        name: "plotting-backend",
        family: "import",
        severity: Error,
        summary: "The code chooses a plotting backend, which pandas imports by name.",
    }
}

/// Methods of pandas and numpy values whose arguments are checked at the call site.
const SINK_METHODS: &[&str] = &[
    "query",
    "eval",
    "to_pickle",
    "read_pickle",
    "tofile",
    "dump",
    "set_option",
];

/// numpy functions that read or write files.
const NUMPY_IO: &[&str] = &[
    "load",
    "save",
    "savez",
    "savez_compressed",
    "savetxt",
    "loadtxt",
    "genfromtxt",
    "fromfile",
    "memmap",
    "fromregex",
];

/// Whether a resolved library path is a sink.
pub(crate) fn is_sink_path(path: &str) -> bool {
    let mut parts = path.rsplit('.');
    let last = parts.next().unwrap_or(path);
    if path.starts_with("pandas.") {
        return is_sink_method(last) || last == "plot" || path.split('.').any(|p| p == "plot");
    }
    if path.starts_with("numpy.") {
        return NUMPY_IO.contains(&last) || matches!(last, "tofile" | "dump");
    }
    matches!(path, "operator.attrgetter" | "operator.methodcaller")
}

/// Whether a method of an unknown value is a sink.
pub(crate) fn is_sink_method(method: &str) -> bool {
    SINK_METHODS.contains(&method)
        || method.starts_with("read_")
        || io_paths::is_writer(method)
        || io_paths::is_forbidden(method)
}

/// A sink used other than as the callee of a direct call.
pub(crate) fn report_value(checker: &mut Checker<'_>, what: &str, span: Span) {
    checker.report(
        &SinkAsValue::RULE,
        span,
        format!("`{what}` may only be called directly, not used as a value"),
        "call it directly where it is needed, with literal arguments",
    );
}

/// A `**mapping` that is not a literal dict, passed to a sink.
pub(crate) fn report_double_star(checker: &mut Checker<'_>, what: &str, span: Span) {
    checker.report(
        &SinkAsValue::RULE,
        span,
        format!(
            "`*`/`**` arguments to `{what}` are not allowed unless `**` unpacks a literal dict"
        ),
        "pass the arguments as plain keywords",
    );
}

fn report_backend(checker: &mut Checker<'_>, span: Span, message: String) {
    checker.report(
        &PlottingBackend::RULE,
        span,
        message,
        "leave the plotting backend alone",
    );
}

/// `pd.set_option(...)`: the option name must be a literal and may not be the backend.
pub(crate) fn check_set_option(checker: &mut Checker<'_>, call: &ast::ExprCall) {
    // `set_option` takes pairs: name, value, name, value, ...
    for (i, arg) in call.args.iter().enumerate().step_by(2) {
        match arg {
            Expr::Constant(c) => {
                if let Constant::Str(name) = &c.value {
                    if name.to_ascii_lowercase().contains("backend") {
                        report_backend(
                            checker,
                            span_of(c.range),
                            format!("the option {name:?} chooses a module to import"),
                        );
                    }
                    continue;
                }
                report_backend(
                    checker,
                    span_of(c.range),
                    "option names must be string literals".into(),
                );
            }
            other => report_backend(
                checker,
                span_of(other.range()),
                format!("option name number {} is not a string literal", i / 2 + 1),
            ),
        }
    }
}

/// `.plot(..., backend=...)` and `.plot.line(..., backend=...)`.
pub(crate) fn check_plot_keywords(checker: &mut Checker<'_>, call: &ast::ExprCall) {
    for keyword in &call.keywords {
        if keyword
            .arg
            .as_ref()
            .is_some_and(|a| normalise(a) == "backend")
        {
            report_backend(
                checker,
                span_of(keyword.range),
                "`backend=` makes pandas import a module by name".into(),
            );
        }
    }
}
