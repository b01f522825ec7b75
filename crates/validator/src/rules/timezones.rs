//! SBX605: time zone names that are file paths.

use rustpython_parser::ast::{self, Expr, Operator, Ranged};

use crate::checker::{span_of, Checker, Deferred};
use crate::names::normalise;
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Rejects any string that contains `dateutil/`, and strings built at run time (`a + b`,
    /// `"%s" % x`, f-strings with fields, `.join`, `.format`, `.replace`, `str(...)`, ...)
    /// given to pandas as a time zone or a dtype: the `tz=` and `dtype=` keywords of any
    /// call, the zone of `tz_localize`, `tz_convert`, `now`, `today` and `DatetimeTZDtype`,
    /// the positional zone of `date_range`, `bdate_range`, `DatetimeIndex`, `Timestamp`,
    /// `fromtimestamp` and `fromordinal`,
    /// the dtype of `astype`, `pandas_dtype` and the `is_*_dtype` checks, directly, through
    /// a variable assigned such a string (or a list, tuple or dict holding one) anywhere, an
    /// item of such a variable, or a call of the code's own function that may return one.
    ///
    /// ## Why is this bad?
    /// pandas hands a zone named `dateutil/<name>` to `dateutil.tz.gettz`, which opens
    /// `<name>` as a file when it is absolute, and `/usr/share/zoneinfo/<name>` otherwise:
    /// `tz="dateutil//etc/passwd"`, or a dtype string `"datetime64[ns, dateutil//etc/passwd]"`,
    /// reads any file of the host that pandas can reach, and `../` climbs out of the zone
    /// directory.
    ///
    /// ## Example
    /// ```python
    /// stamp = pd.Timestamp("2024-01-02", tz="dateutil//etc/passwd")
    /// ```
    ///
    /// Use instead: a zone name.
    /// ```python
    /// stamp = pd.Timestamp("2024-01-02", tz="Asia/Taipei")
    /// ```
    pub(crate) struct TimeZoneFile {
        code: "SBX605",
        name: "time-zone-file",
        family: "file-read",
        severity: Error,
        summary: "A time zone or dtype string may name a file, or is built at run time.",
    }
}

/// The prefix that makes pandas load a zone through `dateutil.tz.gettz`, which takes paths.
const DATEUTIL_PREFIX: &str = "dateutil/";

/// Methods whose first argument is a time zone.
const ZONE_METHODS: &[&str] = &["tz_localize", "tz_convert", "now", "today"];

/// Functions and methods that take a time zone positionally, and at which positions
/// (pandas 1.5 and 2.x differ for `Timestamp` and `fromordinal`).
const ZONE_POSITIONS: &[(&str, &[usize])] = &[
    ("date_range", &[4]),
    ("bdate_range", &[4]),
    ("DatetimeIndex", &[2]),
    ("Timestamp", &[2]),
    ("fromtimestamp", &[1]),
    ("fromordinal", &[1, 2]),
];

/// Functions of `pandas.api.types` that take a dtype (or a dtype string) first, by name.
fn is_dtype_function(name: &str) -> bool {
    name == "pandas_dtype" || name.starts_with("is_") && name.ends_with("_dtype")
}

/// Every string literal: none may ask pandas for a zone by file.
pub(crate) fn check_literal(checker: &mut Checker<'_>, text: &str, span: Span) {
    if text.contains(DATEUTIL_PREFIX) {
        report(
            checker,
            span,
            "a `dateutil/` time zone is loaded from a file path".into(),
        );
    }
}

/// Every call: its time zone and dtype arguments.
pub(crate) fn check_call(checker: &mut Checker<'_>, call: &ast::ExprCall) {
    for keyword in &call.keywords {
        let Some(arg) = &keyword.arg else {
            continue;
        };
        match normalise(arg).as_ref() {
            "tz" | "dtype" => check_value(checker, &keyword.value),
            _ => {}
        }
    }
    if call.args.is_empty() {
        return;
    }
    // The function's own name: a method's, or the last segment of what an imported name
    // stands for (`from pandas import date_range as span`).
    let name: Option<String> = match &*call.func {
        Expr::Attribute(a) => {
            if checker.model.is_own_value(&a.value) {
                return;
            }
            Some(normalise(&a.attr).into_owned())
        }
        Expr::Name(n) => checker
            .model
            .aliases_of(&normalise(&n.id))
            .iter()
            .filter_map(|alias| alias.path().rsplit('.').next())
            .find(|last| is_zone_or_dtype_function(last))
            .map(str::to_string),
        _ => None,
    };
    let Some(name) = name else {
        return;
    };
    if let Some((_, positions)) = ZONE_POSITIONS.iter().find(|(n, _)| *n == name) {
        for arg in positions.iter().filter_map(|&i| call.args.get(i)) {
            check_value(checker, arg);
        }
    }
    let first = &call.args[0];
    if name == "DatetimeTZDtype" {
        for arg in &call.args {
            check_value(checker, arg);
        }
    } else if ZONE_METHODS.contains(&name.as_str()) || name == "astype" || is_dtype_function(&name)
    {
        check_value(checker, first);
    }
}

/// Whether a function or method of this name takes a zone or a dtype positionally.
fn is_zone_or_dtype_function(name: &str) -> bool {
    ZONE_POSITIONS.iter().any(|(n, _)| *n == name)
        || ZONE_METHODS.contains(&name)
        || matches!(name, "DatetimeTZDtype" | "astype")
        || is_dtype_function(name)
}

/// A zone or dtype argument: refused when it is a string built at run time, inline or
/// through a variable. Anything else (a literal, a zone object, a parameter, a column) is left
/// to pandas: only a `dateutil/` name reads a file, and literals holding it are refused.
fn check_value(checker: &mut Checker<'_>, value: &Expr) {
    let span = span_of(value.range());
    match value {
        Expr::Name(n) => checker.deferred.push(Deferred::TimeZone {
            name: normalise(&n.id).into_owned(),
            span,
        }),
        Expr::Dict(d) => {
            for v in &d.values {
                check_value(checker, v);
            }
        }
        Expr::List(l) => {
            for v in &l.elts {
                check_value(checker, v);
            }
        }
        Expr::NamedExpr(w) => check_value(checker, &w.value),
        // `self.zone`: an attribute the code may have assigned a built string.
        Expr::Attribute(a) => checker.deferred.push(Deferred::TimeZone {
            name: attribute_key(&a.attr),
            span,
        }),
        // `zones.get("away")`: an item of a container that may hold a built string.
        Expr::Call(call)
            if matches!(&*call.func, Expr::Attribute(a)
                if a.attr.as_str() == "get" && matches!(&*a.value, Expr::Name(_))) =>
        {
            if let Expr::Attribute(a) = &*call.func {
                check_value(checker, &a.value);
            }
        }
        // `zones[1]`: an item of a container that may hold a built string.
        Expr::Subscript(sub) if matches!(&*sub.value, Expr::Name(_)) => {
            check_value(checker, &sub.value);
        }
        // `zone(...)`: the code's own function, which may return a built string.
        Expr::Call(call) if matches!(&*call.func, Expr::Name(_)) && !builds_string(value) => {
            check_value(checker, &call.func);
        }
        _ if builds_string(value) => report(
            checker,
            span,
            "a time zone or dtype may not be a string built at run time".into(),
        ),
        _ => {}
    }
}

/// Methods of `str` (and `bytes`) that return new strings.
const STRING_METHODS: &[&str] = &[
    "format",
    "format_map",
    "join",
    "replace",
    "strip",
    "lstrip",
    "rstrip",
    "removeprefix",
    "removesuffix",
    "lower",
    "upper",
    "casefold",
    "swapcase",
    "title",
    "capitalize",
    "translate",
    "decode",
    "encode",
    "center",
    "ljust",
    "rjust",
    "zfill",
    "expandtabs",
];

/// Whether an expression builds a string at run time: `a + b`, `"%s" % x`, an f-string with
/// fields, a string method, `str(...)`, slicing or indexing a string literal.
fn builds_string(expr: &Expr) -> bool {
    match expr {
        Expr::BinOp(b) => matches!(b.op, Operator::Add | Operator::Mod | Operator::Mult),
        Expr::JoinedStr(j) => j.values.iter().any(|v| !matches!(v, Expr::Constant(_))),
        Expr::Call(call) => match &*call.func {
            Expr::Lambda(l) => holds_built_string(&l.body),
            Expr::Attribute(a) => STRING_METHODS.contains(&normalise(&a.attr).as_ref()),
            Expr::Name(n) => matches!(normalise(&n.id).as_ref(), "str" | "chr" | "repr" | "format"),
            _ => false,
        },
        Expr::Subscript(sub) => matches!(&*sub.value, Expr::Constant(_)),
        Expr::IfExp(e) => builds_string(&e.body) || builds_string(&e.orelse),
        _ => false,
    }
}

/// Whether `expr` builds a string or is a literal container holding one.
fn holds_built_string(expr: &Expr) -> bool {
    match expr {
        Expr::List(ast::ExprList { elts, .. })
        | Expr::Tuple(ast::ExprTuple { elts, .. })
        | Expr::Set(ast::ExprSet { elts, .. }) => elts.iter().any(holds_built_string),
        Expr::Dict(d) => d.values.iter().any(holds_built_string),
        other => builds_string(other),
    }
}

/// `zone = "a" + b`, `zones = ["UTC", "a" + b]`, `zone = make(...)`: remembered so the name
/// is refused wherever it is given as a zone or dtype if it may hold a built string.
pub(crate) fn note_assignment(checker: &mut Checker<'_>, targets: &[Expr], value: &Expr) {
    let built = holds_built_string(value);
    let callee = match value {
        Expr::Call(call) => match &*call.func {
            Expr::Name(f) => Some(normalise(&f.id).into_owned()),
            _ => None,
        },
        _ => None,
    };
    // `home, away = "UTC", "a" + b`: each name its own value.
    if let ([Expr::Tuple(names)], Expr::Tuple(values)) = (targets, value) {
        if names.elts.len() == values.elts.len() {
            for (target, value) in names.elts.iter().zip(&values.elts) {
                note_assignment(checker, std::slice::from_ref(target), value);
            }
            return;
        }
    }
    for target in targets {
        let name = match target {
            Expr::Name(n) => normalise(&n.id).into_owned(),
            Expr::Attribute(a) if built => {
                checker.built_strings.insert(attribute_key(&a.attr));
                continue;
            }
            _ => continue,
        };
        if let Some(callee) = &callee {
            checker
                .call_results
                .entry(name.clone())
                .or_default()
                .push(callee.clone());
        }
        if built {
            checker.built_strings.insert(name);
        }
    }
}

/// How an attribute name is kept among the names of built strings (`.zone` for `x.zone`):
/// any object's attribute of that name counts.
fn attribute_key(attr: &str) -> String {
    format!(".{}", normalise(attr))
}

/// `return "a" + b` in a function of the code's own: its calls may be built strings.
pub(crate) fn note_return(checker: &mut Checker<'_>, value: &Expr) {
    let built = holds_built_string(value)
        || matches!(value, Expr::Name(n) if checker.built_strings.contains(normalise(&n.id).as_ref()));
    if let (true, Some(function)) = (built, checker.functions.last()) {
        checker.string_builders.insert(function.clone());
    }
}

/// A variable given as a time zone or dtype, once the whole program's bindings are known:
/// refused when it is assigned a string built at run time somewhere.
pub(crate) fn resolve(checker: &mut Checker<'_>, name: &str, span: Span) {
    let from_builder = |callee: &String| checker.string_builders.contains(callee);
    let built = checker.built_strings.contains(name)
        || checker.string_builders.contains(name)
        || checker
            .call_results
            .get(name)
            .is_some_and(|callees| callees.iter().any(from_builder));
    if built {
        report(
            checker,
            span,
            format!(
                "`{name}` is given as a time zone or dtype but may be a string built at run time"
            ),
        );
    }
}

fn report(checker: &mut Checker<'_>, span: Span, message: String) {
    checker.report(
        &TimeZoneFile::RULE,
        span,
        message,
        "name time zones and dtypes with literals (\"Asia/Taipei\", \"float64\") or objects",
    );
}
