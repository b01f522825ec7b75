//! How a statement uses names, for two pre-pass facts.
//!
//! - **Escaping names.** `for o in objs` makes `o` an own instance when `objs` is only ever
//!   bound to a literal sequence of own instances. That holds only while nothing can put
//!   another object into the list: `objs.append(data)`, `objs[0] = data`, `f(objs)`,
//!   `alias = objs`. So a name escapes at every load except as the iterable of a loop or
//!   comprehension, the base of an item read (`objs[0]`) or of a method that only reads
//!   (`objs.index(x)`), the container of a membership test and the argument of a builtin
//!   that only reads (`len(objs)`), which change nothing.
//! - **Names used as values.** A class's methods take only its instances as `self` while
//!   the class itself is only called, read attributes from (each checked by SBX704),
//!   subclassed or named in `isinstance`: once it is passed, stored or returned, whoever
//!   holds it can call `k.method(anything)`. A name used other than so is a value, and so is
//!   `type(x)` used other than so.
//! - **Library classes used as values.** `pd.Series` written other than as a callee, an
//!   attribute base, a class check or an operand of a comparison, any `type(x)` so written,
//!   and every `mro()` or `construct_array_type()` call: from there a library class can reach
//!   any variable (a parameter, a loop target, a list element), and an attribute stored on
//!   that variable patches the class for everyone.

use std::collections::HashSet;

use rustpython_parser::ast::{self, Expr, Stmt};

use crate::names::{self, normalise};

/// What the pre-pass learns from name loads.
#[derive(Debug, Default)]
pub(crate) struct Uses {
    /// Loaded other than to iterate over or read an item of.
    pub(crate) escaping: HashSet<String>,
    /// Loaded other than as a callee, an attribute or item base, an iterable, a class base
    /// or the class of `isinstance`/`issubclass`/`except`.
    pub(crate) values: HashSet<String>,
    /// Names whose class is used as a value: `f(type(x))`, `k = type(x)`.
    pub(crate) class_of_values: HashSet<String>,
    /// Dotted attributes written as values whose last name may name a class
    /// ([`names::may_name_class`]: `pd.Series` in `patch(pd.Series)`): library classes if
    /// they resolve to one through the imports.
    pub(crate) class_name_values: Vec<Expr>,
    /// A call that yields some object's class is used as a value: `k = type(x)`,
    /// `x.mro()`, `dtype.construct_array_type()`.
    pub(crate) class_values: bool,
    /// Names bound to a dtype (`d = s.dtype`, `for d in df.dtypes`).
    pub(crate) dtype_names: HashSet<String>,
    /// Names whose attribute `type` is read (`d.type`).
    pub(crate) type_read_names: HashSet<String>,
    /// Every attribute name written anywhere (`Route.X`): a list bound in a class body is
    /// reached through them.
    pub(crate) attribute_names: HashSet<String>,
    /// Every name an attribute may be reached by here: attribute names read, string
    /// constants (`getattr(f, "registry")`, `attrgetter("type")`) and the keywords of class
    /// patterns (`case object(type=t)`). `"type"` reaches a dataclass field's class,
    /// `"registry"` a `singledispatch` function's classes.
    pub(crate) mentioned: HashSet<String>,
    /// Attribute names stored or deleted anywhere (`self._check = f`, `del C.m`).
    pub(crate) stored_attributes: HashSet<String>,
    /// Some `yield` appears (the body is a generator's, which a call does not run).
    pub(crate) yields: bool,
}

/// The `functools` decorators whose functions keep a `registry` of classes.
pub(crate) const SINGLEDISPATCH: &[&str] = &["singledispatch", "singledispatchmethod"];

/// Methods of classes and dtypes that return classes.
const CLASS_RETURNING: &[&str] = &["mro", "construct_array_type"];

/// Functions that return classes taken apart from a type expression:
/// `typing.get_origin(typing.Counter[str])` is `collections.Counter`.
const CLASS_RETURNING_FUNCTIONS: &[&str] = &["get_origin", "get_args"];

/// Library functions whose results hold classes in their `type` attribute:
/// `dataclasses.fields(A)[0].type` is the class a field was annotated with, `pd.DataFrame`
/// say.
pub(crate) const CLASS_YIELDING_FUNCTIONS: &[&str] = &["dataclasses.fields"];

/// Builtins that iterate over or measure their positional arguments and keep nothing
/// that could change them: `len(names)`, `sorted(names)`, `enumerate(names)`.
const READING_BUILTINS: &[&str] = &[
    "all",
    "any",
    "enumerate",
    "frozenset",
    "len",
    "list",
    "max",
    "min",
    "reversed",
    "set",
    "sorted",
    "sum",
    "tuple",
    "zip",
];

/// Methods of lists, tuples and dicts that read the container and change nothing.
const READING_METHODS: &[&str] = &["copy", "count", "get", "index", "items", "keys", "values"];

/// Where a name is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    Value,
    Callee,
    AttrBase,
    ItemBase,
    Iterable,
    /// A class base, `isinstance(x, C)`, `except C`.
    ClassCheck,
    /// An operand of a comparison (`type(x) is pd.Series`), printed or formatted: a value
    /// for the code's own names, but no library class gets out of it.
    Compared,
}

fn decorators(list: &[Expr], out: &mut Uses) {
    list.iter().for_each(|d| at(d, Position::Callee, out));
}

/// Records the names that `stmt`'s own expressions (not those of its bodies) load.
pub(crate) fn record_uses(stmt: &Stmt, out: &mut Uses) {
    let mut exprs: Vec<&Expr> = Vec::new();
    match stmt {
        // A decorator is called with what it decorates: a callee, as in `f = decorator(f)`.
        Stmt::FunctionDef(s) => {
            decorators(&s.decorator_list, out);
            exprs.extend(s.args.defaults());
        }
        Stmt::AsyncFunctionDef(s) => {
            decorators(&s.decorator_list, out);
            exprs.extend(s.args.defaults());
        }
        Stmt::ClassDef(s) => {
            decorators(&s.decorator_list, out);
            s.bases
                .iter()
                .for_each(|b| at(b, Position::ClassCheck, out));
            exprs.extend(s.keywords.iter().map(|k| &k.value));
        }
        Stmt::Return(s) => exprs.extend(s.value.as_deref()),
        Stmt::Delete(s) => exprs.extend(&s.targets),
        Stmt::Assign(s) => {
            if is_dtype(&s.value) {
                out.dtype_names.extend(s.targets.iter().filter_map(name_of));
            }
            exprs.extend(&s.targets);
            exprs.push(&s.value);
        }
        Stmt::AugAssign(s) => {
            exprs.push(&s.target);
            exprs.push(&s.value);
        }
        Stmt::AnnAssign(s) => {
            exprs.push(&s.target);
            exprs.extend(s.value.as_deref());
        }
        Stmt::For(ast::StmtFor { target, iter, .. })
        | Stmt::AsyncFor(ast::StmtAsyncFor { target, iter, .. }) => {
            if is_dtype(iter) {
                out.dtype_names.extend(name_of(target));
            }
            exprs.push(target);
            iterable(iter, out);
        }
        Stmt::While(s) => exprs.push(&s.test),
        Stmt::If(s) => exprs.push(&s.test),
        Stmt::With(ast::StmtWith { items, .. })
        | Stmt::AsyncWith(ast::StmtAsyncWith { items, .. }) => {
            for item in items {
                exprs.push(&item.context_expr);
                exprs.extend(item.optional_vars.as_deref());
            }
        }
        Stmt::Match(s) => {
            exprs.push(&s.subject);
            exprs.extend(s.cases.iter().filter_map(|c| c.guard.as_deref()));
            s.cases
                .iter()
                .for_each(|c| pattern_keywords(&c.pattern, out));
        }
        Stmt::Raise(s) => {
            exprs.extend(s.exc.as_deref());
            exprs.extend(s.cause.as_deref());
        }
        Stmt::Try(ast::StmtTry { handlers, .. })
        | Stmt::TryStar(ast::StmtTryStar { handlers, .. }) => {
            for ast::ExceptHandler::ExceptHandler(h) in handlers {
                if let Some(type_) = h.type_.as_deref() {
                    class_check(type_, out);
                }
            }
        }
        Stmt::Assert(s) => {
            exprs.push(&s.test);
            exprs.extend(s.msg.as_deref());
        }
        Stmt::Expr(s) => exprs.push(&s.value),
        Stmt::Import(_)
        | Stmt::ImportFrom(_)
        | Stmt::Global(_)
        | Stmt::Nonlocal(_)
        | Stmt::TypeAlias(_)
        | Stmt::Pass(_)
        | Stmt::Break(_)
        | Stmt::Continue(_) => {}
    }
    for expr in exprs {
        escapes(expr, out);
    }
}

/// The keywords of class patterns (`case object(type=t)` reads `type`), at any depth.
fn pattern_keywords(pattern: &ast::Pattern, out: &mut Uses) {
    match pattern {
        ast::Pattern::MatchClass(p) => {
            out.mentioned
                .extend(p.kwd_attrs.iter().map(|a| normalise(a).into_owned()));
            p.patterns
                .iter()
                .chain(&p.kwd_patterns)
                .for_each(|p| pattern_keywords(p, out));
        }
        ast::Pattern::MatchSequence(p) => p.patterns.iter().for_each(|p| pattern_keywords(p, out)),
        ast::Pattern::MatchMapping(p) => p.patterns.iter().for_each(|p| pattern_keywords(p, out)),
        ast::Pattern::MatchOr(p) => p.patterns.iter().for_each(|p| pattern_keywords(p, out)),
        ast::Pattern::MatchAs(p) => {
            if let Some(p) = &p.pattern {
                pattern_keywords(p, out);
            }
        }
        _ => {}
    }
}

/// `C` or `(A, B)` where a class is checked against.
fn class_check(expr: &Expr, out: &mut Uses) {
    match expr {
        Expr::Tuple(t) => t.elts.iter().for_each(|e| class_check(e, out)),
        other => at(other, Position::ClassCheck, out),
    }
}

/// The iterable of a loop: a bare name is only read from.
fn iterable(iter: &Expr, out: &mut Uses) {
    at(iter, Position::Iterable, out);
}

fn all(exprs: &[Expr], out: &mut Uses) {
    exprs.iter().for_each(|e| escapes(e, out));
}

fn opt(expr: Option<&Expr>, out: &mut Uses) {
    if let Some(expr) = expr {
        escapes(expr, out);
    }
}

fn escapes(expr: &Expr, out: &mut Uses) {
    at(expr, Position::Value, out);
}

/// Records the names `expr` loads when it stands at `position`.
fn at(expr: &Expr, position: Position, out: &mut Uses) {
    match expr {
        Expr::Name(n) => {
            if n.ctx.is_load() || n.ctx.is_del() {
                // Most loads repeat a name already recorded: allocate only for new ones.
                let id = normalise(&n.id);
                let escaping = !matches!(position, Position::ItemBase | Position::Iterable);
                if escaping && !out.escaping.contains(id.as_ref()) {
                    out.escaping.insert(id.clone().into_owned());
                }
                let value = matches!(position, Position::Value | Position::Compared);
                if value && !out.values.contains(id.as_ref()) {
                    out.values.insert(id.into_owned());
                }
            }
        }
        // `objs[0]` reads an item; `objs[0] = x` and `del objs[0]` change the list.
        Expr::Subscript(e) => {
            let base = if e.ctx.is_load() {
                Position::ItemBase
            } else {
                Position::Value
            };
            at(&e.value, base, out);
            escapes(&e.slice, out);
        }
        Expr::BoolOp(e) => all(&e.values, out),
        Expr::NamedExpr(e) => {
            escapes(&e.target, out);
            escapes(&e.value, out);
        }
        Expr::BinOp(e) => {
            escapes(&e.left, out);
            escapes(&e.right, out);
        }
        Expr::UnaryOp(e) => escapes(&e.operand, out),
        Expr::Lambda(e) => {
            e.args.defaults().for_each(|d| escapes(d, out));
            escapes(&e.body, out);
        }
        Expr::IfExp(e) => {
            escapes(&e.test, out);
            escapes(&e.body, out);
            escapes(&e.orelse, out);
        }
        Expr::Dict(e) => {
            e.keys.iter().flatten().for_each(|k| escapes(k, out));
            all(&e.values, out);
        }
        Expr::Set(e) => all(&e.elts, out),
        Expr::List(e) => all(&e.elts, out),
        Expr::Tuple(e) => all(&e.elts, out),
        Expr::ListComp(e) => comprehension(&e.generators, &[&e.elt], out),
        Expr::SetComp(e) => comprehension(&e.generators, &[&e.elt], out),
        Expr::GeneratorExp(e) => comprehension(&e.generators, &[&e.elt], out),
        Expr::DictComp(e) => comprehension(&e.generators, &[&e.key, &e.value], out),
        Expr::Await(e) => escapes(&e.value, out),
        Expr::Yield(e) => {
            out.yields = true;
            opt(e.value.as_deref(), out);
        }
        Expr::YieldFrom(e) => {
            out.yields = true;
            escapes(&e.value, out);
        }
        Expr::Compare(e) => {
            at(&e.left, Position::Compared, out);
            // `x in names` compares `x` with the items: the container is only read.
            for (op, c) in e.ops.iter().zip(&e.comparators) {
                let read = matches!(op, ast::CmpOp::In | ast::CmpOp::NotIn);
                at(
                    c,
                    if read {
                        Position::Iterable
                    } else {
                        Position::Compared
                    },
                    out,
                );
            }
        }
        Expr::Call(e) => {
            // `getattr(pd, "Series")` as a value is `pd.Series` as a value.
            if let (Expr::Name(f), [base, Expr::Constant(c), ..], Position::Value) =
                (&*e.func, e.args.as_slice(), position)
            {
                if let ast::Constant::Str(attr) = &c.value {
                    if normalise(&f.id) == "getattr" && names::may_name_class(attr) {
                        out.class_name_values
                            .push(Expr::Attribute(ast::ExprAttribute {
                                range: e.range,
                                value: Box::new(base.clone()),
                                attr: ast::Identifier::new(attr.as_str()),
                                ctx: ast::ExprContext::Load,
                            }));
                    }
                }
            }
            if let (Position::Value, Expr::Name(f), [Expr::Name(x)]) =
                (position, &*e.func, e.args.as_slice())
            {
                if normalise(&f.id) == "type" {
                    out.class_of_values.insert(normalise(&x.id).into_owned());
                }
            }
            let last = match &*e.func {
                Expr::Name(f) => Some(normalise(&f.id)),
                Expr::Attribute(f) => Some(normalise(&f.attr)),
                _ => None,
            };
            out.class_values |= match (&*e.func, last.as_deref()) {
                (Expr::Name(_), Some(name)) => {
                    (position == Position::Value && name == "type")
                        || CLASS_RETURNING_FUNCTIONS.contains(&name)
                }
                (Expr::Attribute(_), Some(attr)) => {
                    CLASS_RETURNING.contains(&attr) || CLASS_RETURNING_FUNCTIONS.contains(&attr)
                }
                _ => false,
            };
            at(&e.func, Position::Callee, out);
            let type_check = matches!(&*e.func, Expr::Name(n)
                if matches!(normalise(&n.id).as_ref(), "isinstance" | "issubclass"));
            // Builtins that only read their arguments' items (rebinding a builtin is rejected).
            let reads_items = matches!(&*e.func, Expr::Name(n)
                if READING_BUILTINS.contains(&normalise(&n.id).as_ref()));
            // Printing or formatting an object keeps nothing of it.
            let shown = matches!(&*e.func, Expr::Name(n)
                if matches!(normalise(&n.id).as_ref(), "print" | "str" | "repr"));
            match (type_check, e.args.as_slice()) {
                (true, [value, class]) => {
                    escapes(value, out);
                    class_check(class, out);
                }
                _ if shown => e.args.iter().for_each(|a| at(a, Position::Compared, out)),
                _ if reads_items => e.args.iter().for_each(|a| iterable(a, out)),
                _ => all(&e.args, out),
            }
            e.keywords.iter().for_each(|k| escapes(&k.value, out));
        }
        Expr::FormattedValue(e) => {
            at(&e.value, Position::Compared, out);
            opt(e.format_spec.as_deref(), out);
        }
        Expr::JoinedStr(e) => all(&e.values, out),
        Expr::Attribute(e) => {
            if position == Position::Value && names::may_name_class(&e.attr) {
                out.class_name_values.push(expr.clone());
            }
            let attr = normalise(&e.attr);
            if !e.ctx.is_load() && !out.stored_attributes.contains(attr.as_ref()) {
                out.stored_attributes.insert(attr.clone().into_owned());
            }
            if !out.attribute_names.contains(attr.as_ref()) {
                out.attribute_names.insert(attr.clone().into_owned());
            }
            let reads_type = e.ctx.is_load() && attr == "type";
            if e.ctx.is_load() && !out.mentioned.contains(attr.as_ref()) {
                out.mentioned.insert(attr.clone().into_owned());
            }
            // A dtype's `type` is a class: `Timestamp` for `s.dtype.type` of a tz-aware
            // column, `Period` for `pd.PeriodDtype("D").type`.
            out.class_values |= reads_type && is_dtype(&e.value);
            if let (true, Some(name)) = (reads_type, name_of(&e.value)) {
                out.type_read_names.insert(name);
            }
            // `names.index(x)`, `table.items()`: methods that only read the container.
            let base = if READING_METHODS.contains(&normalise(&e.attr).as_ref()) {
                Position::ItemBase
            } else {
                Position::AttrBase
            };
            at(&e.value, base, out);
        }
        Expr::Starred(e) => escapes(&e.value, out),
        Expr::Slice(e) => {
            opt(e.lower.as_deref(), out);
            opt(e.upper.as_deref(), out);
            opt(e.step.as_deref(), out);
        }
        // `getattr(functools, "singledispatch")`, `attrgetter("type")`.
        Expr::Constant(c) => {
            if let ast::Constant::Str(text) = &c.value {
                if !out.mentioned.contains(text.as_str()) {
                    out.mentioned.insert(text.clone());
                }
            }
        }
    }
}

/// Whether `expr` reaches a dtype: through a `dtype`/`dtypes` attribute, or a call of
/// `np.dtype` or a pandas `...Dtype` class.
fn is_dtype(expr: &Expr) -> bool {
    match expr {
        Expr::Attribute(a) => {
            matches!(normalise(&a.attr).as_ref(), "dtype" | "dtypes") || is_dtype(&a.value)
        }
        Expr::Subscript(s) => is_dtype(&s.value),
        Expr::Call(c) => match &*c.func {
            Expr::Name(n) => is_dtype_maker(&normalise(&n.id)),
            Expr::Attribute(a) => is_dtype_maker(&normalise(&a.attr)) || is_dtype(&a.value),
            _ => false,
        },
        _ => false,
    }
}

fn is_dtype_maker(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with("dtype")
}

fn name_of(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Name(n) => Some(normalise(&n.id).into_owned()),
        _ => None,
    }
}

fn comprehension(generators: &[ast::Comprehension], elts: &[&Expr], out: &mut Uses) {
    for generator in generators {
        escapes(&generator.target, out);
        iterable(&generator.iter, out);
        all(&generator.ifs, out);
    }
    elts.iter().for_each(|e| escapes(e, out));
}
