//! Abstract values: what the model knows an expression or a binding holds.
//!
//! Values are deliberately coarse. A name is an [`Alias`] when an import (or `X = mod.attr`)
//! makes it stand for a module or a library value by dotted path; each binding adds one
//! [`Bound`] saying what the assigned expression was (literal strings, a number, a call of a
//! named callable, an own `def`/`class`, ...) and anything the model cannot name is
//! [`Bound::Other`]. Queries ask whether *every* value a name may hold has a property, so an
//! unknown binding anywhere makes the answer "no" and the rules fall back to their strict
//! checks.

use rustpython_parser::ast::{self, Constant, Expr};

use super::BindKind;
use crate::names::normalise;

/// What a name in the program was bound to by an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Alias {
    /// A module or module namespace, by full dotted path.
    Module(String),
    /// A value reached through a module (`from pandas import DataFrame`), by full dotted path.
    Value(String),
}

impl Alias {
    /// The full dotted path the alias stands for.
    pub(crate) fn path(&self) -> &str {
        match self {
            Alias::Module(path) | Alias::Value(path) => path,
        }
    }
}

/// One binding of a name, as far as the rules care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bound {
    /// One of these literal strings (`"a"`, or `"a" if x else "b"`).
    Str(Vec<String>),
    /// The result of calling the named callable (`tracker = Tracker()`).
    CallOf(String),
    /// A function or class the code defines (`def f`, `class C`, `f = lambda: ...`).
    Def,
    /// A numeric literal (`threshold = 0.02`, `n = -5`), or what a loop over a literal
    /// list of them gives.
    Num,
    /// What a loop over `range(...)` gives: a number while the code binds `range` nowhere.
    RangeItem,
    /// A literal list, tuple or set of strings, or a dict literal with string keys, what
    /// iterating over it gives (`METHODS = ["mean", "std"]`).
    StrSeq(Vec<String>),
    /// A literal list or tuple of calls of one callable (`[Rule(1), Rule(2)]`).
    SeqOf(String),
    /// A type form built of names only (`Tuple[pd.Timestamp, Bar]`, `int | None`,
    /// `Literal["buy", "sell"]`): the names in it, which decide whether it may hold a string.
    TypeForm(TypeForm),
    /// Anything else.
    Other,
}

/// The base of an attribute access, for deciding whether the code owns the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Owner {
    /// The first parameter of a method (`self`, `cls`).
    SelfLike,
    /// `super()`, when the code does not rebind `super`.
    Super,
    /// Another parameter of a method of the code's own plain class (`other` in `__eq__`)
    /// that an `isinstance` check on the way vouches for: its private attributes are fine
    /// when the code defines them.
    Peer,
    /// Another parameter of such a method with no `isinstance` check on the way: a caller
    /// may pass any object, so it is trusted only when every call of `method` passes an
    /// own instance as its parameter number `index` (the instance is 0).
    UncheckedPeer {
        name: String,
        method: String,
        index: usize,
    },
    /// A plain name.
    Name(String),
    /// Anything else.
    Other,
}

/// `functools.partial(...)`: the dotted callee as written.
fn called(func: &Expr) -> Bound {
    let (base, attrs) = chain(func);
    match base {
        Expr::Name(n) => Bound::CallOf(extend_path(normalise(&n.id).into_owned(), &attrs)),
        _ => Bound::Other,
    }
}

fn type_form_or_other(value: &Expr) -> Bound {
    let mut form = TypeForm::default();
    if type_form_names(value, &mut form) {
        Bound::TypeForm(form)
    } else {
        Bound::Other
    }
}

/// `"...".strip()` (or `lstrip`, `rstrip`) of a string literal: the string it returns.
fn literal_method(func: &Expr) -> Option<String> {
    let Expr::Attribute(a) = func else {
        return None;
    };
    let Expr::Constant(c) = &*a.value else {
        return None;
    };
    let Constant::Str(text) = &c.value else {
        return None;
    };
    match a.attr.as_str() {
        "strip" => Some(text.trim().to_string()),
        "lstrip" => Some(text.trim_start().to_string()),
        "rstrip" => Some(text.trim_end().to_string()),
        _ => None,
    }
}

/// `textwrap.dedent` of `text`: the whitespace all its non-blank lines start with removed.
pub(crate) fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| &l[..l.len() - l.trim_start_matches([' ', '\t']).len()])
        .reduce(|a, b| {
            let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
            &a[..common]
        })
        .unwrap_or("");
    text.split_inclusive('\n')
        .map(|l| {
            l.strip_prefix(indent)
                .unwrap_or(l.trim_start_matches([' ', '\t']))
        })
        .collect()
}

/// What an assigned value tells the rules about the name it is bound to.
pub(crate) fn bound_of(value: &Expr) -> Bound {
    match value {
        Expr::Constant(c) => match &c.value {
            Constant::Str(s) => Bound::Str(vec![s.clone()]),
            Constant::Int(_) | Constant::Float(_) => Bound::Num,
            _ => Bound::Other,
        },
        Expr::IfExp(e) => match (bound_of(&e.body), bound_of(&e.orelse)) {
            (Bound::Str(mut a), Bound::Str(b)) => {
                a.extend(b);
                Bound::Str(a)
            }
            _ => Bound::Other,
        },
        // `"""..."""[1:]`-style cleanups of a literal keep it a literal: `" a ".strip()`.
        Expr::Call(call) if call.args.is_empty() && call.keywords.is_empty() => {
            match (&*call.func, literal_method(&call.func)) {
                (_, Some(text)) => Bound::Str(vec![text]),
                (Expr::Name(name), None) => Bound::CallOf(normalise(&name.id).into_owned()),
                (func, None) => called(func),
            }
        }
        Expr::BinOp(b) if b.op == ast::Operator::Add => {
            match (bound_of(&b.left), bound_of(&b.right)) {
                (Bound::Str(l), Bound::Str(r)) if l.len() == 1 && r.len() == 1 => {
                    Bound::Str(vec![format!("{}{}", l[0], r[0])])
                }
                _ => type_form_or_other(value),
            }
        }
        Expr::Call(call) => match &*call.func {
            Expr::Name(name) => Bound::CallOf(normalise(&name.id).into_owned()),
            // Reductions that only ever return numbers (strings make them raise).
            Expr::Attribute(a) if NUMERIC_REDUCTIONS.contains(&normalise(&a.attr).as_ref()) => {
                Bound::Num
            }
            func @ Expr::Attribute(_) => called(func),
            _ => Bound::Other,
        },
        Expr::Lambda(_) => Bound::Def,
        Expr::Subscript(_) | Expr::BinOp(_) => type_form_or_other(value),
        Expr::UnaryOp(u) if matches!(&*u.operand, Expr::Constant(c) if matches!(c.value, Constant::Int(_) | Constant::Float(_))) => {
            Bound::Num
        }
        // Iterating over a dict gives its keys.
        Expr::Dict(d) if !d.keys.is_empty() => d
            .keys
            .iter()
            .map(|k| match k {
                Some(Expr::Constant(c)) => match &c.value {
                    Constant::Str(s) => Some(s.clone()),
                    _ => None,
                },
                _ => None,
            })
            .collect::<Option<Vec<String>>>()
            .map_or(Bound::Other, Bound::StrSeq),
        Expr::List(_) | Expr::Tuple(_) | Expr::Set(_) => match literal_strings(value) {
            Some(strings) if !strings.is_empty() => Bound::StrSeq(strings),
            _ => instances_of(value).map_or(Bound::Other, Bound::SeqOf),
        },
        _ => Bound::Other,
    }
}

/// The names a type form is made of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TypeForm {
    /// Dotted names used as types.
    pub(crate) types: Vec<String>,
    /// Dotted names subscripted with constants (`Literal["buy"]`, `Annotated[float, "usd"]`),
    /// each with whether its first element is a constant: typing evaluates a string there
    /// unless the name is `typing.Literal`, or `typing.Annotated` after a type.
    pub(crate) valued: Vec<(String, bool)>,
}

/// `pd.DataFrame` as `"pd.DataFrame"`: a name or an attribute chain rooted at a name.
fn dotted(expr: &Expr) -> Option<String> {
    let (base, attrs) = chain(expr);
    match base {
        Expr::Name(n) => Some(extend_path(normalise(&n.id).into_owned(), &attrs)),
        _ => None,
    }
}

/// Collects the names of a subscript or `|` union made only of names, attribute chains of
/// names, `None`, `...` and constants inside subscripts; `false` for anything else
/// (`CONFIG["kind"]`, `x[0]`).
fn type_form_names(expr: &Expr, form: &mut TypeForm) -> bool {
    let valued = |e: &Expr| matches!(e, Expr::Constant(c) if !matches!(c.value, Constant::None | Constant::Ellipsis));
    match expr {
        Expr::Name(_) | Expr::Attribute(_) => dotted(expr).is_some_and(|name| {
            form.types.push(name);
            true
        }),
        Expr::Constant(c) => matches!(c.value, Constant::None | Constant::Ellipsis),
        Expr::Subscript(sub) => {
            let elts = match &*sub.slice {
                Expr::Tuple(t) => t.elts.as_slice(),
                other => std::slice::from_ref(other),
            };
            if !elts.iter().any(valued) {
                return type_form_names(&sub.value, form) && type_form_names(&sub.slice, form);
            }
            let Some(head) = dotted(&sub.value) else {
                return false;
            };
            form.valued.push((head, elts.first().is_some_and(valued)));
            elts.iter().all(|e| valued(e) || type_form_names(e, form))
        }
        Expr::Tuple(t) => t.elts.iter().all(|e| type_form_names(e, form)),
        Expr::List(l) => l.elts.iter().all(|e| type_form_names(e, form)),
        Expr::BinOp(b) => {
            b.op == ast::Operator::BitOr
                && type_form_names(&b.left, form)
                && type_form_names(&b.right, form)
        }
        _ => false,
    }
}

/// Methods that return numbers only (on strings they raise).
const NUMERIC_REDUCTIONS: &[&str] = &[
    "mean", "median", "std", "var", "quantile", "count", "nunique", "skew", "kurt", "sem", "corr",
    "cov",
];

/// `[Rule(a), Rule(b)]`: a literal sequence of calls of one named callable.
pub(crate) fn instances_of(value: &Expr) -> Option<String> {
    let elts = match value {
        Expr::List(l) => &l.elts,
        Expr::Tuple(t) => &t.elts,
        _ => return None,
    };
    let mut callee: Option<String> = None;
    for elt in elts {
        let Expr::Call(call) = elt else {
            return None;
        };
        let Expr::Name(n) = &*call.func else {
            return None;
        };
        let name = normalise(&n.id);
        match &callee {
            Some(c) if c != name.as_ref() => return None,
            Some(_) => {}
            None => callee = Some(name.into_owned()),
        }
    }
    callee
}

/// Whether an assigned value makes the target stand in for another callable.
pub(crate) fn kind_of(value: &Expr) -> BindKind {
    match value {
        Expr::Name(_) | Expr::Attribute(_) | Expr::Lambda(_) => BindKind::Alias,
        _ => BindKind::Data,
    }
}

/// Whether `expr` is a literal list, tuple or set of numbers (`[0.01, -0.02]`), which a loop
/// over it binds only to numbers.
pub(crate) fn is_literal_numbers(expr: &Expr) -> bool {
    let elts = match expr {
        Expr::List(l) => &l.elts,
        Expr::Tuple(t) => &t.elts,
        Expr::Set(s) => &s.elts,
        _ => return false,
    };
    elts.iter().all(is_number_literal)
}

/// `1`, `0.5`, `-2`.
fn is_number_literal(expr: &Expr) -> bool {
    match expr {
        Expr::Constant(c) => matches!(c.value, Constant::Int(_) | Constant::Float(_)),
        Expr::UnaryOp(u) => {
            matches!(u.op, ast::UnaryOp::USub | ast::UnaryOp::UAdd) && is_number_literal(&u.operand)
        }
        _ => false,
    }
}

/// The strings of a literal list, tuple or set of strings.
pub(crate) fn literal_strings(expr: &Expr) -> Option<Vec<String>> {
    match expr {
        Expr::List(l) => strings_of(&l.elts),
        Expr::Tuple(t) => strings_of(&t.elts),
        Expr::Set(s) => strings_of(&s.elts),
        _ => None,
    }
}

/// The strings of expressions that are all string literals.
pub(crate) fn strings_of(elts: &[Expr]) -> Option<Vec<String>> {
    elts.iter()
        .map(|e| match e {
            Expr::Constant(c) => match &c.value {
                Constant::Str(s) => Some(s.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// Splits `a.b.c` into its base (`a`) and attributes, outermost first, each with the range of
/// the attribute node that ends in it.
pub(crate) fn chain(expr: &Expr) -> (&Expr, Vec<(&ast::Identifier, ast::text_size::TextRange)>) {
    let mut attrs = Vec::new();
    let mut current = expr;
    while let Expr::Attribute(a) = current {
        attrs.push((&a.attr, a.range));
        current = &a.value;
    }
    (current, attrs)
}

/// `root` extended by the attributes of a chain (outermost first, as [`chain`] gives them).
pub(crate) fn extend_path(
    mut path: String,
    attrs: &[(&ast::Identifier, ast::text_size::TextRange)],
) -> String {
    for (attr, _) in attrs.iter().rev() {
        path.push('.');
        path.push_str(&normalise(attr));
    }
    path
}
