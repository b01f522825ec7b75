//! Which names a function body rebinds: a pre-scan of one method before the walk enters it.
//!
//! A method trusts its first parameter to be its own instance and, behind an `isinstance`
//! check, its other parameters to be instances of its class. Both hold only while the name
//! still holds what the caller passed, so any binding of the name in the body takes the trust
//! away for the whole body (a loop or a nested function can run the binding before a use
//! that comes first in the text). Bindings of the function's own scope count (assignment
//! targets of every form, loop, `with` and `except` targets, match captures, walruses, also
//! in comprehensions, imports, `def`, `class`, `del`), and so does a nested function or class
//! that declares the name `nonlocal`.

use std::collections::HashSet;

use rustpython_parser::ast::{self, Expr, Pattern, Stmt};

use crate::names::normalise;

/// Every name the function whose body this is binds after its parameters, NFKC-normalised.
pub(crate) fn rebound_names(body: &[Stmt]) -> HashSet<String> {
    let mut out = HashSet::new();
    for stmt in body {
        stmt_bindings(stmt, &mut out);
    }
    out
}

fn stmt_bindings(stmt: &Stmt, out: &mut HashSet<String>) {
    match stmt {
        Stmt::FunctionDef(s) => {
            insert(out, &s.name);
            exprs_bindings(&s.decorator_list, out);
            nonlocals(&s.body, out);
        }
        Stmt::AsyncFunctionDef(s) => {
            insert(out, &s.name);
            exprs_bindings(&s.decorator_list, out);
            nonlocals(&s.body, out);
        }
        Stmt::ClassDef(s) => {
            insert(out, &s.name);
            exprs_bindings(&s.bases, out);
            exprs_bindings(&s.decorator_list, out);
            nonlocals(&s.body, out);
        }
        Stmt::Return(s) => opt_bindings(s.value.as_deref(), out),
        Stmt::Delete(s) => targets(&s.targets, out),
        Stmt::Assign(s) => {
            targets(&s.targets, out);
            expr_bindings(&s.value, out);
        }
        Stmt::AugAssign(s) => {
            target(&s.target, out);
            expr_bindings(&s.value, out);
        }
        Stmt::AnnAssign(s) => {
            target(&s.target, out);
            opt_bindings(s.value.as_deref(), out);
        }
        Stmt::For(ast::StmtFor {
            target: t,
            iter,
            body,
            orelse,
            ..
        })
        | Stmt::AsyncFor(ast::StmtAsyncFor {
            target: t,
            iter,
            body,
            orelse,
            ..
        }) => {
            target(t, out);
            expr_bindings(iter, out);
            bodies(&[body, orelse], out);
        }
        Stmt::While(s) => {
            expr_bindings(&s.test, out);
            bodies(&[&s.body, &s.orelse], out);
        }
        Stmt::If(s) => {
            expr_bindings(&s.test, out);
            bodies(&[&s.body, &s.orelse], out);
        }
        Stmt::With(ast::StmtWith { items, body, .. })
        | Stmt::AsyncWith(ast::StmtAsyncWith { items, body, .. }) => {
            for item in items {
                expr_bindings(&item.context_expr, out);
                if let Some(vars) = &item.optional_vars {
                    target(vars, out);
                }
            }
            bodies(&[body], out);
        }
        Stmt::Match(s) => {
            expr_bindings(&s.subject, out);
            for case in &s.cases {
                pattern_bindings(&case.pattern, out);
                opt_bindings(case.guard.as_deref(), out);
                bodies(&[&case.body], out);
            }
        }
        Stmt::Raise(s) => {
            opt_bindings(s.exc.as_deref(), out);
            opt_bindings(s.cause.as_deref(), out);
        }
        Stmt::Try(ast::StmtTry {
            body,
            handlers,
            orelse,
            finalbody,
            ..
        })
        | Stmt::TryStar(ast::StmtTryStar {
            body,
            handlers,
            orelse,
            finalbody,
            ..
        }) => {
            bodies(&[body, orelse, finalbody], out);
            for ast::ExceptHandler::ExceptHandler(h) in handlers {
                if let Some(name) = &h.name {
                    insert(out, name);
                }
                opt_bindings(h.type_.as_deref(), out);
                bodies(&[&h.body], out);
            }
        }
        Stmt::Assert(s) => {
            expr_bindings(&s.test, out);
            opt_bindings(s.msg.as_deref(), out);
        }
        Stmt::Import(s) => {
            for alias in &s.names {
                match &alias.asname {
                    Some(asname) => insert(out, asname),
                    None => insert(out, alias.name.split('.').next().unwrap_or_default()),
                }
            }
        }
        Stmt::ImportFrom(s) => {
            for alias in &s.names {
                insert(out, alias.asname.as_ref().unwrap_or(&alias.name));
            }
        }
        // `global x` in a method makes `x` the module's: never the parameter again.
        Stmt::Global(s) => s.names.iter().for_each(|n| insert(out, n)),
        Stmt::Nonlocal(s) => s.names.iter().for_each(|n| insert(out, n)),
        Stmt::Expr(s) => expr_bindings(&s.value, out),
        Stmt::TypeAlias(_) | Stmt::Pass(_) | Stmt::Break(_) | Stmt::Continue(_) => {}
    }
}

fn bodies(list: &[&Vec<Stmt>], out: &mut HashSet<String>) {
    for body in list {
        for stmt in body.iter() {
            stmt_bindings(stmt, out);
        }
    }
}

/// `nonlocal name` anywhere in a nested function or class body (at any depth) rebinds the
/// enclosing function's `name`.
fn nonlocals(body: &[Stmt], out: &mut HashSet<String>) {
    for stmt in body {
        if let Stmt::Nonlocal(s) = stmt {
            s.names.iter().for_each(|n| insert(out, n));
        }
        for child in super::child_bodies(stmt) {
            nonlocals(child, out);
        }
    }
}

fn insert(out: &mut HashSet<String>, name: &str) {
    let name = normalise(name);
    if !out.contains(name.as_ref()) {
        out.insert(name.into_owned());
    }
}

fn targets(list: &[Expr], out: &mut HashSet<String>) {
    list.iter().for_each(|t| target(t, out));
}

/// Names bound by an assignment target; attribute and subscript targets bind none but may
/// hold walruses.
fn target(expr: &Expr, out: &mut HashSet<String>) {
    let mut names = Vec::new();
    super::target_names(expr, &mut names);
    names.into_iter().for_each(|n| insert(out, n));
    expr_bindings(expr, out);
}

fn opt_bindings(expr: Option<&Expr>, out: &mut HashSet<String>) {
    if let Some(expr) = expr {
        expr_bindings(expr, out);
    }
}

fn exprs_bindings(list: &[Expr], out: &mut HashSet<String>) {
    list.iter().for_each(|e| expr_bindings(e, out));
}

/// Walruses anywhere in an expression, comprehensions included (their walrus binds in the
/// enclosing function); a lambda's walrus binds in the lambda.
fn expr_bindings(expr: &Expr, out: &mut HashSet<String>) {
    match expr {
        Expr::NamedExpr(e) => {
            target(&e.target, out);
            expr_bindings(&e.value, out);
        }
        Expr::Lambda(e) => {
            for arg in e.args.defaults() {
                expr_bindings(arg, out);
            }
        }
        Expr::BoolOp(e) => exprs_bindings(&e.values, out),
        Expr::BinOp(e) => {
            expr_bindings(&e.left, out);
            expr_bindings(&e.right, out);
        }
        Expr::UnaryOp(e) => expr_bindings(&e.operand, out),
        Expr::IfExp(e) => {
            expr_bindings(&e.test, out);
            expr_bindings(&e.body, out);
            expr_bindings(&e.orelse, out);
        }
        Expr::Dict(e) => {
            e.keys.iter().flatten().for_each(|k| expr_bindings(k, out));
            exprs_bindings(&e.values, out);
        }
        Expr::Set(e) => exprs_bindings(&e.elts, out),
        Expr::List(e) => exprs_bindings(&e.elts, out),
        Expr::Tuple(e) => exprs_bindings(&e.elts, out),
        Expr::ListComp(e) => comprehension(&e.generators, &[&e.elt], out),
        Expr::SetComp(e) => comprehension(&e.generators, &[&e.elt], out),
        Expr::GeneratorExp(e) => comprehension(&e.generators, &[&e.elt], out),
        Expr::DictComp(e) => comprehension(&e.generators, &[&e.key, &e.value], out),
        Expr::Await(e) => expr_bindings(&e.value, out),
        Expr::Yield(e) => opt_bindings(e.value.as_deref(), out),
        Expr::YieldFrom(e) => expr_bindings(&e.value, out),
        Expr::Compare(e) => {
            expr_bindings(&e.left, out);
            exprs_bindings(&e.comparators, out);
        }
        Expr::Call(e) => {
            expr_bindings(&e.func, out);
            exprs_bindings(&e.args, out);
            e.keywords.iter().for_each(|k| expr_bindings(&k.value, out));
        }
        Expr::FormattedValue(e) => {
            expr_bindings(&e.value, out);
            opt_bindings(e.format_spec.as_deref(), out);
        }
        Expr::JoinedStr(e) => exprs_bindings(&e.values, out),
        Expr::Attribute(e) => expr_bindings(&e.value, out),
        Expr::Subscript(e) => {
            expr_bindings(&e.value, out);
            expr_bindings(&e.slice, out);
        }
        Expr::Starred(e) => expr_bindings(&e.value, out),
        Expr::Slice(e) => {
            opt_bindings(e.lower.as_deref(), out);
            opt_bindings(e.upper.as_deref(), out);
            opt_bindings(e.step.as_deref(), out);
        }
        Expr::Name(_) | Expr::Constant(_) => {}
    }
}

/// A comprehension's own targets are local to it; only its walruses reach the function.
fn comprehension(generators: &[ast::Comprehension], elts: &[&Expr], out: &mut HashSet<String>) {
    for generator in generators {
        expr_bindings(&generator.target, out);
        expr_bindings(&generator.iter, out);
        exprs_bindings(&generator.ifs, out);
    }
    elts.iter().for_each(|e| expr_bindings(e, out));
}

fn pattern_bindings(pattern: &Pattern, out: &mut HashSet<String>) {
    match pattern {
        Pattern::MatchValue(p) => expr_bindings(&p.value, out),
        Pattern::MatchSingleton(_) => {}
        Pattern::MatchSequence(p) => p.patterns.iter().for_each(|s| pattern_bindings(s, out)),
        Pattern::MatchMapping(p) => {
            p.patterns.iter().for_each(|s| pattern_bindings(s, out));
            if let Some(rest) = &p.rest {
                insert(out, rest);
            }
        }
        Pattern::MatchClass(p) => p
            .patterns
            .iter()
            .chain(&p.kwd_patterns)
            .for_each(|s| pattern_bindings(s, out)),
        Pattern::MatchStar(p) => {
            if let Some(name) = &p.name {
                insert(out, name);
            }
        }
        Pattern::MatchAs(p) => {
            if let Some(sub) = &p.pattern {
                pattern_bindings(sub, out);
            }
            if let Some(name) = &p.name {
                insert(out, name);
            }
        }
        Pattern::MatchOr(p) => p.patterns.iter().for_each(|s| pattern_bindings(s, out)),
    }
}
