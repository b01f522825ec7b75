//! SBX503: annotations that are not type expressions.

use rustpython_parser::ast::{self, Constant, Expr, Operator, Ranged};

use crate::checker::{span_of, Checker, Deferred};
use crate::names::normalise;
use crate::semantic::{chain, Bound};
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Requires every annotation of a parameter, a return value or a class or module
    /// variable to be a type expression: names, dotted module paths (`pd.DataFrame`),
    /// `P.args` and `P.kwargs` of a `ParamSpec`, subscripts (`Optional[T]`, `dict[str, float]`), `|` unions, `None`, `...`, and
    /// string forward references that parse as type expressions themselves. A name used in
    /// an annotation may be bound by the code only to its own functions and classes,
    /// numbers, instances of its own plain classes, `typing`'s type makers
    /// (`T = TypeVar("T")`, `NewType`, `ParamSpec`, ...) or type aliases built of such names
    /// (`Window = Tuple[pd.Timestamp, pd.Timestamp]`), never to a string or a value that may
    /// be one; the root of a dotted path must be an import. A variable annotation inside a
    /// function body is never evaluated and is checked only as code. The values in
    /// `Literal[...]` and the metadata of `Annotated[...]` are not types and are checked like
    /// any other expression.
    ///
    /// ## Why is this bad?
    /// `typing.get_type_hints`, which `functools.singledispatch` calls for
    /// `@f.register` without a class, evaluates every string it finds in an annotation as
    /// Python code with the module's globals and builtins, and keeps evaluating the strings
    /// that evaluation returns. A name bound to a string, an f-string, `"a" + "b"`, a
    /// conditional or a forward reference written as `"*..."` in an annotation is an `eval`
    /// that the tree does not show.
    ///
    /// ## Example
    /// ```python
    /// Kind = "__import__('os').system('id')"
    ///
    /// @describe.register
    /// def _(x: Kind):
    ///     return "kind"
    /// ```
    ///
    /// Use instead: annotate with the class itself.
    /// ```python
    /// @describe.register
    /// def _(x: pd.DataFrame):
    ///     return "frame"
    /// ```
    pub(crate) struct AnnotationNotAType {
        code: "SBX503",
        name: "annotation-not-a-type",
        family: "format-string",
        severity: Error,
        summary: "An annotation is not a type expression, so typing may evaluate it as code.",
    }
}

/// How deep string forward references may nest (`"List['Frame']"`).
const MAX_DEPTH: usize = 4;

/// Checks one annotation expression as a type expression.
pub(crate) fn check(checker: &mut Checker<'_>, expr: &Expr) {
    check_type(checker, expr, 0);
}

fn check_type(checker: &mut Checker<'_>, expr: &Expr, depth: usize) {
    match expr {
        Expr::Constant(c) => match &c.value {
            Constant::Str(text) => check_forward_ref(checker, text, c.range, depth),
            Constant::None | Constant::Ellipsis => {}
            _ => report(
                checker,
                span_of(c.range),
                "a constant other than `None` is not a type".into(),
            ),
        },
        Expr::Name(n) => checker.deferred.push(Deferred::Annotation {
            name: normalise(&n.id).into_owned(),
            span: span_of(n.range),
            role: Role::Type,
        }),
        // `pd.DataFrame`, `npt.NDArray`: only attribute chains of imports are paths to types,
        // besides `P.args` and `P.kwargs` of a `ParamSpec`.
        Expr::Attribute(a) => match chain(expr).0 {
            Expr::Name(n) => checker.deferred.push(Deferred::Annotation {
                name: normalise(&n.id).into_owned(),
                span: span_of(a.range),
                role: match (&*a.value, normalise(&a.attr).as_ref()) {
                    (Expr::Name(_), "args" | "kwargs") => Role::ParamSpecPart,
                    _ => Role::PathRoot,
                },
            }),
            _ => report(
                checker,
                span_of(a.range),
                "an attribute in an annotation must be a path into an imported module".into(),
            ),
        },
        Expr::Subscript(sub) => {
            check_type(checker, &sub.value, depth);
            let origin = checker.model.resolve_path(&sub.value);
            match origin.as_deref() {
                // Values, not types: never turned into forward references.
                Some("typing.Literal") => {}
                Some("typing.Annotated") => {
                    let first = match &*sub.slice {
                        Expr::Tuple(t) => t.elts.first(),
                        other => Some(other),
                    };
                    if let Some(first) = first {
                        check_type(checker, first, depth);
                    }
                }
                _ => check_type(checker, &sub.slice, depth),
            }
        }
        Expr::Tuple(t) => {
            for elt in &t.elts {
                check_type(checker, elt, depth);
            }
        }
        Expr::List(l) => {
            for elt in &l.elts {
                check_type(checker, elt, depth);
            }
        }
        Expr::BinOp(b) if b.op == Operator::BitOr => {
            check_type(checker, &b.left, depth);
            check_type(checker, &b.right, depth);
        }
        // `*Ts` in `tuple[*Ts]`.
        Expr::Starred(s) => check_type(checker, &s.value, depth),
        other => report(
            checker,
            span_of(other.range()),
            "only names, module paths, subscripts, `|` unions and `None` may be annotations".into(),
        ),
    }
}

/// A string annotation: typing compiles it (as `(text,)[0]` when it starts with `*`) and
/// evaluates it, so it must parse, and what it parses to must be a type expression.
fn check_forward_ref(
    checker: &mut Checker<'_>,
    text: &str,
    range: ast::text_size::TextRange,
    depth: usize,
) {
    let span = span_of(range);
    if depth >= MAX_DEPTH {
        report(checker, span, "forward references nest too deeply".into());
        return;
    }
    // Skip the prefix and opening quote(s) so spans land inside the literal.
    let start = usize::from(range.start());
    let literal = checker
        .source
        .get(start..usize::from(range.end()))
        .unwrap_or("");
    let quote = literal.find(['\'', '"']).unwrap_or(0);
    let rest = &literal[quote..];
    let triple = rest.starts_with("\"\"\"") || rest.starts_with("'''");
    let mut offset = start + quote + if triple { 3 } else { 1 };
    let mut code = text;
    if let Some(stripped) = code.strip_prefix('*') {
        code = stripped;
        offset += 1;
    }
    match crate::checker::parse_expression_text(checker, code, offset) {
        Some(parsed) => {
            checker.visit_annotation_expr(&parsed);
            check_type(checker, &parsed, depth + 1);
        }
        None => report(
            checker,
            span,
            format!("the string annotation {text:?} is not an expression the validator can read"),
        ),
    }
}

/// How deep type aliases may refer to other aliases (`Pair = Tuple[Leg, Leg]`).
const MAX_ALIAS_DEPTH: usize = 8;

/// Where a name stands in an annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A type on its own: `Frame`.
    Type,
    /// The root of an attribute chain, which only an import (or a builtin) may be:
    /// `pd.DataFrame`.
    PathRoot,
    /// `P` in `P.args` or `P.kwargs`, which only a `ParamSpec` may be; its `args` and
    /// `kwargs` are objects of typing's, never strings.
    ParamSpecPart,
}

/// A name used in an annotation, once the whole program's bindings are known.
pub(crate) fn resolve(checker: &mut Checker<'_>, name: &str, span: Span, role: Role) {
    let import_or_builtin =
        || checker.model.alias(name).is_some() || checker.model.bindings_of(name).is_none();
    let message = match role {
        Role::Type if !is_type_name(checker, name, 0) => {
            format!("`{name}` in an annotation is bound to a value that may be a string")
        }
        Role::PathRoot if !import_or_builtin() => {
            format!("`{name}` is not a module, so its attributes are not type paths")
        }
        Role::ParamSpecPart if !import_or_builtin() && !is_param_spec(checker, name) => {
            format!(
                "`{name}` is neither a module nor a `ParamSpec`, so its attributes are not types"
            )
        }
        _ => return,
    };
    report(checker, span, message);
}

/// Whether every binding of `name` is a `typing.ParamSpec(...)` call.
fn is_param_spec(checker: &Checker<'_>, name: &str) -> bool {
    checker.model.bindings_of(name).is_some_and(|bindings| {
        bindings.iter().all(|bound| {
            matches!(bound, Bound::CallOf(callee)
                if import_path(checker, callee).as_deref() == Some("typing.ParamSpec"))
        })
    })
}

/// Whether every value the code may bind `name` to is a type, never a string.
fn is_type_name(checker: &Checker<'_>, name: &str, depth: usize) -> bool {
    if checker.model.alias(name).is_some() {
        return true;
    }
    // Not bound by the code: a builtin (`int`), or a name that raises when evaluated.
    let Some(bindings) = checker.model.bindings_of(name) else {
        return true;
    };
    depth < MAX_ALIAS_DEPTH
        && bindings.iter().all(|bound| match bound {
            Bound::Def | Bound::Num => true,
            Bound::CallOf(callee) => is_type_maker(checker, callee),
            Bound::TypeForm(form) => {
                form.types
                    .iter()
                    .all(|dotted| match dotted.split_once('.') {
                        Some((root, _)) => checker.model.alias(root).is_some(),
                        None => is_type_name(checker, dotted, depth + 1),
                    })
                    && form.valued.iter().all(|(head, first)| {
                        match import_path(checker, head).as_deref() {
                            Some("typing.Literal") => true,
                            Some("typing.Annotated") => !first,
                            _ => false,
                        }
                    })
            }
            _ => false,
        })
}

/// `typing` calls that return a type, never a string (`typing.cast` returns its argument).
const TYPE_MAKERS: &[&str] = &[
    "typing.TypeVar",
    "typing.NewType",
    "typing.ParamSpec",
    "typing.TypeVarTuple",
    "typing.NamedTuple",
    "typing.TypedDict",
];

/// `TypeVar("T")`, `NewType("Id", int)`, `Tracker()` of an own plain class: never a string.
fn is_type_maker(checker: &Checker<'_>, callee: &str) -> bool {
    match import_path(checker, callee) {
        Some(path) => TYPE_MAKERS.contains(&path.as_str()),
        None => !callee.contains('.') && checker.model.is_plain_class(callee),
    }
}

/// What a dotted name rooted at an import stands for (`t.Literal` -> `typing.Literal`).
fn import_path(checker: &Checker<'_>, dotted: &str) -> Option<String> {
    let (root, rest) = dotted.split_once('.').unwrap_or((dotted, ""));
    let alias = checker.model.alias(root)?;
    Some(if rest.is_empty() {
        alias.path().to_string()
    } else {
        format!("{}.{rest}", alias.path())
    })
}

fn report(checker: &mut Checker<'_>, span: Span, message: String) {
    checker.report(
        &AnnotationNotAType::RULE,
        span,
        message,
        "annotate with a class, an imported type or a literal forward reference such as \"Frame\"",
    );
}
