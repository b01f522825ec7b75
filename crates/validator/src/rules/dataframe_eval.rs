//! SBX502: `DataFrame.eval` / `query` expressions.

use rustpython_parser::ast::{self, Constant, Expr, Ranged, Stmt};
use rustpython_parser::Parse;

use crate::checker::{span_of, Checker, Deferred, Purpose};
use crate::names::normalise;
use crate::semantic::Bound;
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Requires the expression passed to `.eval(...)` and `.query(...)` (on DataFrames or
    /// anything else) to be a string literal, or a variable only ever bound to literals,
    /// that is a plain column expression: names (`@local` and backquoted columns included),
    /// numbers, strings, arithmetic, comparisons, `and`/`or`/`not`, lists and tuples, and
    /// simple `name = expression` assignments. `local_dict`, `global_dict` and `resolvers`
    /// are rejected. (`pd.eval` itself is not on the pandas allowlist: SBX401.)
    ///
    /// ## Why is this bad?
    /// pandas evaluates these strings as Python-like expressions; with the python engine,
    /// attribute access and calls inside the string run like code the tree never showed.
    ///
    /// ## Example
    /// ```python
    /// df.query(user_text)
    /// df.eval("x.__class__")
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// df.query("close > @threshold and volume > 0")
    /// ```
    pub(crate) struct DataFrameEval {
        code: "SBX502",
        name: "dataframe-eval",
        family: "format-string",
        severity: Error,
        summary: "An eval/query expression is not a plain literal column expression.",
    }
}

pub(crate) fn check_method(checker: &mut Checker<'_>, method: &str, call: &ast::ExprCall) {
    if !matches!(method, "eval" | "query") {
        return;
    }
    let expr = call.args.first().or_else(|| {
        call.keywords
            .iter()
            .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "expr"))
            .map(|k| &k.value)
    });
    for keyword in &call.keywords {
        if let Some(arg) = &keyword.arg {
            if matches!(arg.as_str(), "local_dict" | "global_dict" | "resolvers") {
                report(
                    checker,
                    span_of(keyword.range),
                    format!("`.{method}()` with `{arg}` is not allowed"),
                );
            }
        }
    }
    match expr {
        Some(Expr::Constant(c)) => match &c.value {
            Constant::Str(text) => check_text(checker, method, text, span_of(c.range)),
            _ => report(
                checker,
                span_of(c.range),
                format!("`.{method}()` needs a string expression"),
            ),
        },
        Some(Expr::JoinedStr(j)) => {
            let mut names = Vec::new();
            match numeric_template(checker, j, &mut names) {
                // A name must be a number wherever the program binds it, also below this
                // call (`x = "..."` at the end of a loop's body): judged after the walk.
                Some(text) => {
                    check_text(checker, method, &text, span_of(j.range));
                    for name in names {
                        checker.deferred.push(Deferred::Number {
                            name: normalise(&name.id).into_owned(),
                            span: span_of(name.range),
                            method: method.to_string(),
                        });
                    }
                }
                None => report(
                    checker,
                    span_of(j.range),
                    format!(
                        "`.{method}()` with an f-string is allowed only when every field is a number"
                    ),
                ),
            }
        }
        Some(Expr::Subscript(sub)) if matches!(&*sub.value, Expr::Name(_)) => {
            if let Expr::Name(n) = &*sub.value {
                checker.deferred.push(Deferred::QueryItem {
                    name: normalise(&n.id).into_owned(),
                    span: span_of(sub.range),
                    method: method.to_string(),
                });
            }
        }
        Some(Expr::Name(n)) => checker.deferred.push(Deferred::Literal {
            name: normalise(&n.id).into_owned(),
            span: span_of(n.range),
            purpose: Purpose::Query,
        }),
        Some(other) => report(
            checker,
            span_of(other.range()),
            format!("`.{method}()` with an expression that is not a string literal is not allowed"),
        ),
        // Nothing to evaluate (`model.eval()`), unless it hides in `**kwargs`.
        None => {
            if call.keywords.iter().any(|k| k.arg.is_none()) {
                report(
                    checker,
                    span_of(call.range),
                    format!("`.{method}()` with `**` arguments is not allowed"),
                );
            }
        }
    }
}

pub(crate) fn resolve(
    checker: &mut Checker<'_>,
    name: &str,
    values: Option<Vec<String>>,
    span: Span,
) {
    match values {
        Some(values) => {
            for value in values {
                check_text(checker, "query", &value, span);
            }
        }
        None => report(
            checker,
            span,
            format!("query expression `{name}` is not always a string literal"),
        ),
    }
}

/// The text of an f-string expression whose fields are all numbers, each field replaced by
/// `0`; `None` when a field may be a string (which would be pasted in as code). A field is a
/// number when it has a numeric format spec (`{x:.2f}`, `{n:d}`), is a numeric literal, is
/// `int(...)`/`float(...)`/`len(...)`, `round(...)`/`abs(...)` of a number, or is a name
/// only ever bound to numbers: those names go to `names`, to be judged once the whole
/// program's bindings are known ([`resolve_number`]).
fn numeric_template<'a>(
    checker: &Checker<'_>,
    j: &'a ast::ExprJoinedStr,
    names: &mut Vec<&'a ast::ExprName>,
) -> Option<String> {
    let mut text = String::new();
    for part in &j.values {
        match part {
            Expr::Constant(c) => match &c.value {
                Constant::Str(s) => text.push_str(s),
                _ => return None,
            },
            Expr::FormattedValue(f) => {
                let spec_numeric = f.format_spec.as_deref().is_some_and(|spec| match spec {
                    Expr::JoinedStr(spec) => matches!(spec.values.as_slice(), [Expr::Constant(c)]
                        if matches!(&c.value, Constant::Str(s) if is_numeric_spec(s))),
                    _ => false,
                });
                if !(spec_numeric || is_number(checker, &f.value, names)) {
                    return None;
                }
                text.push('0');
            }
            _ => return None,
        }
    }
    Some(text)
}

/// Whether a format spec is the standard one of a number and nothing else
/// (`[align][sign][z][#][0][width][,|_][.precision]type`, no fill): a `datetime` or
/// `Timestamp` hands its spec to `strftime`, which copies any other text into the result.
fn is_numeric_spec(spec: &str) -> bool {
    let digits = |s: &str| s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let mut rest = spec;
    for flags in [&['<', '>', '=', '^'][..], &['+', '-', ' '], &['z'], &['#']] {
        rest = rest.strip_prefix(flags).unwrap_or(rest);
    }
    rest = &rest[rest.len() - digits(rest)..];
    rest = rest.strip_prefix([',', '_']).unwrap_or(rest);
    if let Some(after) = rest.strip_prefix('.') {
        let left = digits(after);
        if left == after.len() {
            return false;
        }
        rest = &after[after.len() - left..];
    }
    matches!(
        rest,
        "b" | "d" | "e" | "E" | "f" | "F" | "g" | "G" | "n" | "o" | "x" | "X" | "%"
    )
}

/// Whether `expr` is a number, given that the names it leaves in `names` are.
fn is_number<'a>(
    checker: &Checker<'_>,
    expr: &'a Expr,
    names: &mut Vec<&'a ast::ExprName>,
) -> bool {
    match expr {
        Expr::Constant(c) => matches!(c.value, Constant::Int(_) | Constant::Float(_)),
        Expr::UnaryOp(u) => is_number(checker, &u.operand, names),
        // `int`, `float` and `len` (the builtins, which the code binds nowhere: a helper may
        // rebind one through `global`) return numbers whatever their argument defines; `round` and
        // `abs` return what their argument's `__round__`/`__abs__` return (a frame of text for
        // a DataFrame), so only of a number.
        Expr::Call(call) => matches!(&*call.func, Expr::Name(n)
            if (matches!(normalise(&n.id).as_ref(), "int" | "float" | "len")
                || (matches!(normalise(&n.id).as_ref(), "round" | "abs")
                    && call.args.first().is_some_and(|a| is_number(checker, a, names))))
                && checker.model.is_untouched_builtin(&normalise(&n.id))),
        Expr::Name(n) => {
            names.push(n);
            true
        }
        _ => false,
    }
}

/// An item of a name given as a `query`/`eval` text, once the whole program's bindings are
/// known: every string the name's literal list or dict holds must be a plain expression.
pub(crate) fn resolve_item(checker: &mut Checker<'_>, name: &str, span: Span, method: &str) {
    match checker.model.item_strings(name) {
        Some(texts) => {
            for text in texts {
                check_text(checker, method, &text, span);
            }
        }
        None => report(
            checker,
            span,
            format!("`.{method}()` with an item of `{name}`, which is not always a literal list or dict of strings that nothing changes"),
        ),
    }
}

/// A name in a `query`/`eval` f-string field, once the whole program's bindings are known:
/// every value it is bound to must be a number (a numeric literal, a loop over literal
/// numbers or `range`, or `int`/`float`/`len` of anything).
pub(crate) fn resolve_number(checker: &mut Checker<'_>, name: &str, span: Span, method: &str) {
    let numeric = checker.model.bindings_of(name).is_some_and(|bound| {
        !bound.is_empty()
            && bound.iter().all(|b| match b {
                Bound::Num => true,
                Bound::RangeItem => checker.model.is_untouched_builtin("range"),
                Bound::CallOf(c) => {
                    matches!(c.as_str(), "int" | "float" | "len")
                        && checker.model.is_untouched_builtin(c)
                }
                _ => false,
            })
    });
    if !numeric {
        report(
            checker,
            span,
            format!("`.{method}()` f-string field `{name}` is not always a number"),
        );
    }
}

/// Functions pandas' expression engine provides inside `query`/`eval`.
const EXPRESSION_FUNCTIONS: &[&str] = &[
    "abs", "sqrt", "exp", "expm1", "log", "log1p", "log10", "sin", "cos", "tan", "arcsin",
    "arccos", "arctan", "arctan2", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh",
];

/// Column methods an expression may call (`close.mean()`, `vol.rolling(5).std()`): they only
/// compute on the column's values and hand nothing callable or host-facing back.
const COLUMN_METHODS: &[&str] = &[
    "abs",
    "clip",
    "count",
    "cummax",
    "cummin",
    "cumprod",
    "cumsum",
    "diff",
    "ewm",
    "expanding",
    "fillna",
    "isna",
    "max",
    "mean",
    "median",
    "min",
    "notna",
    "pct_change",
    "quantile",
    "rank",
    "rolling",
    "round",
    "shift",
    "std",
    "sum",
    "var",
];

fn check_text(checker: &mut Checker<'_>, method: &str, text: &str, span: Span) {
    // pandas evaluates a multi-line text line by line, each line stripped
    // (`str.splitlines`, then `str.strip`), so an indented block is judged the same way.
    let plain = text
        .split(is_line_boundary)
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .all(|line| is_plain(line, checker.policy.max_nesting_depth));
    if !plain {
        report(
            checker,
            span,
            format!("`.{method}()` expression {text:?} is not a plain column expression"),
        );
    }
}

fn report(checker: &mut Checker<'_>, span: Span, message: String) {
    checker.report(
        &DataFrameEval::RULE,
        span,
        message,
        "use a literal column expression, or ordinary pandas operations (df[df.close > x])",
    );
}

/// The characters Python's `str.splitlines` ends a line at (`\r\n` splits into a line
/// and an empty one, which is skipped).
fn is_line_boundary(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\u{0b}'
            | '\u{0c}'
            | '\u{1c}'
            | '\u{1d}'
            | '\u{1e}'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// Whether a query/eval string only holds names, literals, operators and assignments.
fn is_plain(text: &str, max_depth: usize) -> bool {
    // pandas-only syntax: `@local` references and `backquoted column names`. A backtick
    // inside a string literal opens nothing, so text with both is not judged here.
    if text.contains('`') && text.contains(['\'', '"']) {
        return false;
    }
    let mut cleaned = String::with_capacity(text.len());
    let mut in_backticks = false;
    for c in text.chars() {
        match c {
            '`' => {
                if !in_backticks {
                    cleaned.push_str("bq_column");
                }
                in_backticks = !in_backticks;
            }
            _ if in_backticks => {}
            '@' => {}
            _ => cleaned.push(c),
        }
    }
    if in_backticks || crate::guard::check_depth(&cleaned, max_depth).is_err() {
        return false;
    }
    let Ok(body) = rustpython_parser::ast::Suite::parse(&cleaned, "<query>") else {
        return false;
    };
    body.iter().all(|stmt| match stmt {
        Stmt::Expr(e) => plain_expr(&e.value),
        Stmt::Assign(a) => {
            a.targets
                .iter()
                .all(|t| matches!(t, Expr::Name(n) if !n.id.starts_with('_')))
                && plain_expr(&a.value)
        }
        _ => false,
    })
}

fn plain_expr(expr: &Expr) -> bool {
    match expr {
        Expr::Name(n) => !n.id.starts_with('_'),
        Expr::Constant(_) => true,
        Expr::BinOp(b) => plain_expr(&b.left) && plain_expr(&b.right),
        Expr::UnaryOp(u) => plain_expr(&u.operand),
        Expr::BoolOp(b) => b.values.iter().all(plain_expr),
        Expr::Compare(c) => plain_expr(&c.left) && c.comparators.iter().all(plain_expr),
        Expr::List(l) => l.elts.iter().all(plain_expr),
        Expr::Tuple(t) => t.elts.iter().all(plain_expr),
        Expr::Call(c) => {
            let callee = match &*c.func {
                Expr::Name(n) => EXPRESSION_FUNCTIONS.contains(&n.id.as_str()),
                Expr::Attribute(a) => {
                    COLUMN_METHODS.contains(&a.attr.as_str()) && plain_expr(&a.value)
                }
                _ => false,
            };
            callee
                && c.keywords.iter().all(|k| {
                    k.arg.as_ref().is_some_and(|a| !a.starts_with('_')) && plain_expr(&k.value)
                })
                && c.args.iter().all(plain_expr)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{is_line_boundary, is_numeric_spec, is_plain};

    #[test]
    fn numeric_specs_only() {
        for spec in [
            ".2f", ",.0f", ">10.2f", "+.1%", "d", "08.3e", "_d", "#x", "z.2f",
        ] {
            assert!(is_numeric_spec(spec), "{spec}");
        }
        // strftime copies the text of these into a Timestamp's or datetime's result.
        for spec in ["", "@x # %%", "%Y-%m-%d", "*<10f", ".f", "2fx", "%%"] {
            assert!(!is_numeric_spec(spec), "{spec}");
        }
    }

    #[test]
    fn lines_split_as_python_splits_them() {
        let text = "\n    mid = (bid + ask) / 2\r\n    spread = ask - bid\u{2028}  x = 1\n    ";
        let lines: Vec<&str> = text
            .split(is_line_boundary)
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(
            lines,
            ["mid = (bid + ask) / 2", "spread = ask - bid", "x = 1"]
        );
    }

    #[test]
    fn plain_expressions_only() {
        assert!(is_plain("close > @threshold and volume > 0", 100));
        assert!(is_plain("`my col` * 2 + b", 100));
        assert!(!is_plain("[\"`\", @pd.io.common.os.getuid(), \"`\"]", 100));
        assert!(is_plain("ratio = a / b", 100));
        assert!(!is_plain("a.__class__", 100));
        assert!(!is_plain("__import__('os')", 100));
        assert!(!is_plain("f(a)", 100));
        assert!(is_plain(
            "(close - close.mean()) / close.rolling(5).std()",
            100
        ));
        assert!(is_plain("close.shift(periods=1) > 0", 100));
        assert!(!is_plain("close.apply(f)", 100));
        assert!(!is_plain("close.__class__()", 100));
        assert!(!is_plain("close.mean", 100));
        assert!(!is_plain("close.mean(**k)", 100));
        assert!(!is_plain("(((", 100));
    }
}
