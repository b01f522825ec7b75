//! Which names a statement uses in a way that may change or share their value: a pre-pass
//! fact for sequences of own instances.
//!
//! `for o in objs` makes `o` an own instance when `objs` is only ever bound to a literal
//! sequence of own instances. That holds only while nothing can put another object into the
//! list: `objs.append(data)`, `objs[0] = data`, `f(objs)`, `alias = objs`. So a name escapes
//! at every load except as the iterable of a loop or comprehension and as the base of an
//! item read (`objs[0]`), which change nothing.

use std::collections::HashSet;

use rustpython_parser::ast::{self, Expr, Stmt};

use crate::names::normalise;

/// Adds to `out` the names that `stmt`'s own expressions (not those of its bodies) load
/// other than to iterate over or read an item of.
pub(crate) fn escaping_names(stmt: &Stmt, out: &mut HashSet<String>) {
    let mut exprs: Vec<&Expr> = Vec::new();
    match stmt {
        Stmt::FunctionDef(s) => {
            exprs.extend(&s.decorator_list);
            exprs.extend(s.args.defaults());
        }
        Stmt::AsyncFunctionDef(s) => {
            exprs.extend(&s.decorator_list);
            exprs.extend(s.args.defaults());
        }
        Stmt::ClassDef(s) => {
            exprs.extend(&s.decorator_list);
            exprs.extend(&s.bases);
            exprs.extend(s.keywords.iter().map(|k| &k.value));
        }
        Stmt::Return(s) => exprs.extend(s.value.as_deref()),
        Stmt::Delete(s) => exprs.extend(&s.targets),
        Stmt::Assign(s) => {
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
        }
        Stmt::Raise(s) => {
            exprs.extend(s.exc.as_deref());
            exprs.extend(s.cause.as_deref());
        }
        Stmt::Try(ast::StmtTry { handlers, .. })
        | Stmt::TryStar(ast::StmtTryStar { handlers, .. }) => {
            for ast::ExceptHandler::ExceptHandler(h) in handlers {
                exprs.extend(h.type_.as_deref());
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

/// The iterable of a loop: a bare name is only read from.
fn iterable(iter: &Expr, out: &mut HashSet<String>) {
    if !matches!(iter, Expr::Name(_)) {
        escapes(iter, out);
    }
}

fn all(exprs: &[Expr], out: &mut HashSet<String>) {
    exprs.iter().for_each(|e| escapes(e, out));
}

fn opt(expr: Option<&Expr>, out: &mut HashSet<String>) {
    if let Some(expr) = expr {
        escapes(expr, out);
    }
}

fn escapes(expr: &Expr, out: &mut HashSet<String>) {
    match expr {
        Expr::Name(n) => {
            if n.ctx.is_load() || n.ctx.is_del() {
                out.insert(normalise(&n.id).into_owned());
            }
        }
        // `objs[0]` reads an item; `objs[0] = x` and `del objs[0]` change the list.
        Expr::Subscript(e) => {
            if !(e.ctx.is_load() && matches!(&*e.value, Expr::Name(_))) {
                escapes(&e.value, out);
            }
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
        Expr::Yield(e) => opt(e.value.as_deref(), out),
        Expr::YieldFrom(e) => escapes(&e.value, out),
        Expr::Compare(e) => {
            escapes(&e.left, out);
            all(&e.comparators, out);
        }
        Expr::Call(e) => {
            escapes(&e.func, out);
            all(&e.args, out);
            e.keywords.iter().for_each(|k| escapes(&k.value, out));
        }
        Expr::FormattedValue(e) => {
            escapes(&e.value, out);
            opt(e.format_spec.as_deref(), out);
        }
        Expr::JoinedStr(e) => all(&e.values, out),
        Expr::Attribute(e) => escapes(&e.value, out),
        Expr::Starred(e) => escapes(&e.value, out),
        Expr::Slice(e) => {
            opt(e.lower.as_deref(), out);
            opt(e.upper.as_deref(), out);
            opt(e.step.as_deref(), out);
        }
        Expr::Constant(_) => {}
    }
}

fn comprehension(generators: &[ast::Comprehension], elts: &[&Expr], out: &mut HashSet<String>) {
    for generator in generators {
        escapes(&generator.target, out);
        iterable(&generator.iter, out);
        all(&generator.ifs, out);
    }
    elts.iter().for_each(|e| escapes(e, out));
}
