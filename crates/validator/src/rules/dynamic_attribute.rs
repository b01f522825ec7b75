//! SBX203: attribute access by computed name.

use rustpython_parser::ast::{self, Constant, Expr};

use crate::checker::{span_of, Checker, Deferred, Purpose};
use crate::names::{self, normalise};
use crate::rules::{frame_internals, host_reaching};
use crate::semantic::Bound;
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Requires the name given to `getattr`, `setattr`, `delattr`, `hasattr`,
    /// `operator.attrgetter` and `operator.methodcaller` to be a string literal (or a variable
    /// only ever bound to string literals) that is a public identifier: no leading
    /// underscore, no dunder, no interpreter internal or host-reaching name (`tb_frame`,
    /// `system`), no method whose arguments other rules check (`to_csv`, `read_*`, `eval`,
    /// `query`, `format`, ...), and for `attrgetter` no dotted path through such names.
    /// Method names given as strings to pandas' `agg`, `aggregate`, `apply` and `transform`
    /// (`df.agg("to_pickle", ...)`) are held to the same standard.
    ///
    /// ## Why is this bad?
    /// A computed name defeats every attribute rule: `getattr(f, "__glo" + "bals__")`,
    /// `getattr(x, bytes([95, 95, ...]).decode())` or `reduce(getattr, path, obj)` reach
    /// `__globals__`, `__subclasses__` and the builtins the attribute rules forbid.
    ///
    /// ## Example
    /// ```python
    /// name = "metsys"[::-1]
    /// getattr(module, name)("id")
    /// ```
    ///
    /// Use instead: plain attribute access.
    /// ```python
    /// value = getattr(config, "window", 20)
    /// ```
    pub(crate) struct DynamicAttribute {
        code: "SBX203",
        name: "dynamic-attribute",
        family: "computed-getattr",
        severity: Error,
        summary: "An attribute is reached by a computed or private name.",
    }
}

/// `getattr(obj, name)` and friends.
pub(crate) fn check_builtin_call(checker: &mut Checker<'_>, name: &str, call: &ast::ExprCall) {
    if !matches!(name, "getattr" | "setattr" | "delattr" | "hasattr") {
        return;
    }
    let arg = call.args.get(1).or_else(|| {
        call.keywords
            .iter()
            .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "name"))
            .map(|k| &k.value)
    });
    match arg {
        Some(arg) => check_name_arg(checker, name, arg, false),
        None => checker.report(
            &DynamicAttribute::RULE,
            span_of(call.range),
            format!("`{name}` without a literal attribute name is not allowed"),
            "use plain attribute access",
        ),
    }
}

/// `operator.attrgetter("a.b")` / `operator.methodcaller("name")`.
pub(crate) fn check_operator_call(checker: &mut Checker<'_>, path: &str, call: &ast::ExprCall) {
    let (label, dotted) = match path {
        "operator.attrgetter" => ("operator.attrgetter", true),
        "operator.methodcaller" => ("operator.methodcaller", false),
        _ => return,
    };
    if call.args.is_empty() {
        checker.report(
            &DynamicAttribute::RULE,
            span_of(call.range),
            format!("`{label}` without a literal attribute name is not allowed"),
            "use plain attribute access or a lambda",
        );
    }
    let count = if dotted { call.args.len() } else { 1 };
    for arg in call.args.iter().take(count) {
        check_name_arg(checker, label, arg, dotted);
    }
    for star in call.args.iter().filter(|a| matches!(a, Expr::Starred(_))) {
        checker.report(
            &DynamicAttribute::RULE,
            span_of(ast::Ranged::range(star)),
            format!("`{label}` with unpacked names is not allowed"),
            "pass literal attribute names",
        );
    }
}

fn check_name_arg(checker: &mut Checker<'_>, func: &str, arg: &Expr, dotted: bool) {
    let span = span_of(ast::Ranged::range(arg));
    match arg {
        Expr::Constant(c) => match &c.value {
            Constant::Str(s) => check_literal(checker, func, s, dotted, span),
            _ => report_computed(checker, func, span),
        },
        Expr::Name(n) => checker.deferred.push(Deferred::Literal {
            name: normalise(&n.id).into_owned(),
            span,
            purpose: if dotted {
                Purpose::DottedAttrName
            } else {
                Purpose::AttrName
            },
        }),
        _ => report_computed(checker, func, span),
    }
}

fn report_computed(checker: &mut Checker<'_>, func: &str, span: Span) {
    checker.report(
        &DynamicAttribute::RULE,
        span,
        format!("`{func}` with a computed attribute name is not allowed"),
        "use a string literal naming a public attribute, or plain attribute access",
    );
}

/// Checks one literal attribute name (or dotted path when `dotted`).
pub(crate) fn check_literal(
    checker: &mut Checker<'_>,
    func: &str,
    name: &str,
    dotted: bool,
    span: Span,
) {
    let parts: Vec<&str> = if dotted {
        name.split('.').collect()
    } else {
        vec![name]
    };
    for part in parts {
        let part = normalise(part);
        let identifier = part
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && part.chars().all(|c| c.is_alphanumeric() || c == '_');
        // `hasattr` only tests for presence, so harmless method names are fine there.
        let reaching = func != "hasattr"
            && (names::is_sink_method(&part)
                || frame_internals::is_internal(&part)
                || host_reaching::is_host_reaching(&part)
                || crate::rules::data_object::is_module_global(&part)
                || checker.index.blocked(&part));
        // `hasattr(x, "__iter__")` asks whether a protocol is there and hands nothing back.
        let presence = func == "hasattr" && names::is_dunder(&part);
        if !identifier || (part.starts_with('_') && !presence) || reaching {
            checker.report(
                &DynamicAttribute::RULE,
                span,
                format!("`{func}` with attribute name {name:?} is not allowed"),
                "only public, harmless attribute names may be named (no leading underscore, no I/O or eval methods)",
            );
            return;
        }
    }
}

/// A name variable that is not always a literal.
pub(crate) fn report_variable(checker: &mut Checker<'_>, name: &str, span: Span) {
    checker.report(
        &DynamicAttribute::RULE,
        span,
        format!("attribute name `{name}` is not always a string literal"),
        "use a string literal naming a public attribute, or plain attribute access",
    );
}

/// pandas resolves string function names with `getattr`: `df.agg("mean")`.
pub(crate) fn check_method_names(checker: &mut Checker<'_>, method: &str, call: &ast::ExprCall) {
    if !matches!(method, "agg" | "aggregate" | "apply" | "transform") {
        return;
    }
    let func = call.args.first().or_else(|| {
        call.keywords
            .iter()
            .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "func"))
            .map(|k| &k.value)
    });
    let mut strings = Vec::new();
    if let Some(func) = func {
        collect_names(func, &mut strings, 0);
        if let Some(span) = computed_name(checker, func) {
            checker.report(
                &DynamicAttribute::RULE,
                span,
                format!("`.{method}()` with a function that may be a computed method name is not allowed"),
                "pass a function, a lambda, or a string literal naming a public method",
            );
        }
    }
    // Named aggregations: `df.agg(total=("volume", "sum"))`.
    for keyword in call.keywords.iter().filter(|k| k.arg.is_some()) {
        // The first element is a column; the rest name functions.
        if let Expr::Tuple(t) = &keyword.value {
            for elt in t.elts.iter().skip(1) {
                collect_names(elt, &mut strings, 1);
            }
        }
    }
    for (name, span) in strings {
        check_literal(checker, method, &name, false, span);
    }
}

/// String constants naming functions inside a pandas `func` argument.
/// Whether a dispatch argument may be a string computed at run time (pandas then looks the
/// method up by that name): the span to report, if so.
fn computed_name(checker: &Checker<'_>, func: &Expr) -> Option<Span> {
    let span = span_of(ast::Ranged::range(func));
    match func {
        Expr::Constant(_) | Expr::Lambda(_) => None,
        Expr::List(l) => l.elts.iter().find_map(|e| computed_name(checker, e)),
        Expr::Tuple(t) => t.elts.iter().find_map(|e| computed_name(checker, e)),
        Expr::Dict(d) => d.values.iter().find_map(|e| computed_name(checker, e)),
        Expr::Name(n) => {
            let id = normalise(&n.id);
            if !checker.model.aliases_of(&id).is_empty() {
                return None;
            }
            match checker.model.bindings_of(&id) {
                // A builtin (`len`, `sum`, `str`) or a name the code never binds.
                None => None,
                Some(bound) => {
                    let known = bound.iter().all(|b| match b {
                        Bound::Def => true,
                        // `p90 = partial(np.percentile, q=90)`, `scorer = Scorer()`: made by
                        // a library callable or an own class, not by a string function.
                        Bound::CallOf(callee) => {
                            let root = callee.split('.').next().unwrap_or(callee);
                            checker.model.is_own_class(callee)
                                || (!checker.model.aliases_of(root).is_empty()
                                    && !STRING_METHODS
                                        .iter()
                                        .any(|m| callee.ends_with(&format!(".{m}"))))
                        }
                        // Literal strings are checked one by one below.
                        Bound::Str(values) => {
                            values.iter().all(|v| literal_is_harmless(checker, v))
                        }
                        _ => false,
                    });
                    (!known).then_some(span)
                }
            }
        }
        Expr::Attribute(a) => {
            let resolves = !checker.model.resolve_paths(func).is_empty();
            let own_method = matches!(&*a.value, Expr::Name(b) if checker.model.is_self_name(&normalise(&b.id)))
                && checker.model.is_own_method(&normalise(&a.attr));
            (!(resolves || own_method)).then_some(span)
        }
        Expr::Call(call) => {
            // A callable made by a call (`make_scorer(x)`, `partial(f, 2)`) is fine; a string
            // made by one (`"TO_JSON".lower()`, `bytes(...).decode()`, `str(x)`) is not.
            let string_call = match &*call.func {
                Expr::Attribute(m) => STRING_METHODS.contains(&normalise(&m.attr).as_ref()),
                Expr::Name(n) => matches!(
                    normalise(&n.id).as_ref(),
                    "str" | "chr" | "format" | "repr" | "ascii"
                ),
                _ => true,
            };
            string_call.then_some(span)
        }
        _ => Some(span),
    }
}

fn literal_is_harmless(checker: &Checker<'_>, value: &str) -> bool {
    let part = normalise(value);
    !(part.starts_with('_')
        || names::is_sink_method(&part)
        || frame_internals::is_internal(&part)
        || host_reaching::is_host_reaching(&part)
        || crate::rules::data_object::is_module_global(&part)
        || checker.index.blocked(&part))
}

/// `str` methods that return strings.
const STRING_METHODS: &[&str] = &[
    "lower",
    "upper",
    "title",
    "capitalize",
    "casefold",
    "swapcase",
    "strip",
    "lstrip",
    "rstrip",
    "replace",
    "join",
    "format",
    "format_map",
    "decode",
    "encode",
    "removeprefix",
    "removesuffix",
    "translate",
    "zfill",
    "center",
    "ljust",
    "rjust",
    "expandtabs",
];

fn collect_names(expr: &Expr, out: &mut Vec<(String, Span)>, depth: usize) {
    if depth > 3 {
        return;
    }
    match expr {
        Expr::Constant(c) => {
            if let Constant::Str(s) = &c.value {
                out.push((s.clone(), span_of(c.range)));
            }
        }
        Expr::List(l) => l.elts.iter().for_each(|e| collect_names(e, out, depth + 1)),
        Expr::Tuple(t) => t.elts.iter().for_each(|e| collect_names(e, out, depth + 1)),
        Expr::Dict(d) => d
            .values
            .iter()
            .for_each(|e| collect_names(e, out, depth + 1)),
        _ => {}
    }
}
