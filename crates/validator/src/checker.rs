//! The one walk over the syntax tree. It visits every node (annotations, defaults, decorators,
//! bases, keywords, handlers, patterns, guards, f-string parts, slices, ...) in execution order,
//! keeps the [`SemanticModel`] up to date as it goes, and hands each node to the rules that
//! judge it. Facts that need the whole program (which names hold only literal strings, which
//! private attributes the code defined itself) are settled after the walk.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use rustpython_parser::ast::{self, Constant, Expr, Ranged, Stmt};

use crate::index::PolicyIndex;
use crate::names::normalise;
use crate::rules::{self, Rule};
use crate::semantic::value::{instances_of, is_literal_numbers, kind_of, literal_strings};
use crate::semantic::{
    chain, normalise_dotted, BindKind, Bound, Origin, Owner, ScopeKind, SemanticModel,
};
use crate::{Finding, Policy, Span};

/// What a deferred literal argument will be used as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// A `str.format` template.
    Template,
    /// A file path.
    Path,
    /// A `DataFrame.query`/`eval` expression.
    Query,
    /// An attribute name for `getattr` and friends.
    AttrName,
    /// A dotted attribute path for `operator.attrgetter`.
    DottedAttrName,
}

/// A check that needs the whole program.
#[derive(Debug, Clone)]
pub(crate) enum Deferred {
    Private {
        owner: Owner,
        attr: String,
        span: Span,
    },
    Literal {
        name: String,
        span: Span,
        purpose: Purpose,
    },
    /// A name used in an annotation: what the program binds it to.
    Annotation {
        name: String,
        span: Span,
        role: rules::annotations::Role,
    },
    /// A variable given as a time zone or dtype: what the program binds it to.
    TimeZone { name: String, span: Span },
    /// An item of a variable given as a `query`/`eval` text (`SCREENS[name]`): the
    /// variable must be a sealed literal list or dict of plain texts.
    QueryItem {
        name: String,
        span: Span,
        method: String,
    },
    /// A variable in a field of a `query`/`eval` f-string: it must be a number.
    Number {
        name: String,
        span: Span,
        method: String,
    },
}

/// How a name is used where it is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameUse {
    /// Called directly: `name(...)`.
    Callee,
    /// The base of an attribute chain: `name.attr`.
    AttrBase,
    /// An exception type in an `except` clause.
    ExceptType,
    /// Anything else: passed, stored, returned.
    Value,
}

pub(crate) struct Checker<'a> {
    pub(crate) source: &'a str,
    pub(crate) policy: &'a Policy,
    pub(crate) index: PolicyIndex<'a>,
    pub(crate) findings: Vec<Finding>,
    /// What names and expressions stand for at the point the walk has reached.
    pub(crate) model: SemanticModel,
    pub(crate) deferred: Vec<Deferred>,
    /// The decorator expression being visited (its function, for `@factory(...)`).
    pub(crate) decorator_head: Option<Span>,
    /// A call whose result the enclosing call calls at once (`wraps(f)` in `wraps(f)(g)`).
    pub(crate) called_result: Option<Span>,
    /// Names assigned a string built at run time somewhere (`zone = "a" + b`), or a
    /// container holding one (`zones = ["UTC", "a" + b]`).
    pub(crate) built_strings: HashSet<String>,
    /// The code's own functions that may return a string built at run time.
    pub(crate) string_builders: HashSet<String>,
    /// Names assigned the result of a call of a plain name (`zone = make(...)`): the names
    /// of the functions called.
    pub(crate) call_results: HashMap<String, Vec<String>>,
    /// The functions being visited, innermost last.
    pub(crate) functions: Vec<String>,
}

impl<'a> Checker<'a> {
    pub(crate) fn new(source: &'a str, policy: &'a Policy) -> Self {
        Checker {
            source,
            policy,
            index: PolicyIndex::new(policy),
            findings: Vec::new(),
            model: SemanticModel::default(),
            deferred: Vec::new(),
            decorator_head: None,
            called_result: None,
            built_strings: HashSet::new(),
            string_builders: HashSet::new(),
            call_results: HashMap::new(),
            functions: Vec::new(),
        }
    }

    /// Records a finding of `rule`.
    pub(crate) fn report(
        &mut self,
        rule: &Rule,
        span: Span,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.findings.push(Finding {
            code: rule.code,
            severity: rule.severity,
            message: message.into(),
            help: help.into(),
            span,
        });
    }

    /// Runs the whole check over a parsed module, in two walks. Python does not run a
    /// program in the order it is written: a function body runs when it is called, after
    /// statements below it may have rebound a global; a loop body runs again after its own
    /// later statements. The first walk only gathers every binding in the program; the
    /// second judges each name on all of them, not only on those above it.
    pub(crate) fn run(&mut self, body: &[Stmt]) {
        let mut first = Checker::new(self.source, self.policy);
        first.model.collect_aliases(body, &first.index);
        first.visit_body(body);
        // A `return z` judged with every string `z` is built from, also below the return.
        self.built_strings = std::mem::take(&mut first.built_strings);
        self.model.seed_bindings(first.model);
        self.model.collect_aliases(body, &self.index);
        self.visit_body(body);
        self.resolve_deferred();
    }

    pub(crate) fn visit_body(&mut self, body: &[Stmt]) {
        // `if not isinstance(other, C): return ...` and `assert isinstance(other, C)` vouch
        // for `other` in the rest of the block.
        let mark = self.model.guard(Vec::new());
        for stmt in body {
            self.visit_stmt(stmt);
            let after = match stmt {
                Stmt::If(s) if s.body.last().is_some_and(leaves_block) => {
                    self.isinstance_guards(&s.test, false)
                }
                Stmt::Assert(s) => self.isinstance_guards(&s.test, true),
                // `self._check(other)`, where `_check` raises unless `other` is an own instance.
                Stmt::Expr(e) => match &*e.value {
                    Expr::Call(call) => self.model.guard_call_vouches(call),
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            };
            self.model.guard(after);
        }
        self.model.unguard(mark);
    }

    /// The peers that `test` being `holds` proves instances of the code's own plain
    /// classes: `isinstance(p, C)`, `not ...`, `and`/`or` of them.
    fn isinstance_guards(&self, test: &Expr, holds: bool) -> Vec<String> {
        match test {
            Expr::UnaryOp(u) if u.op == ast::UnaryOp::Not => {
                self.isinstance_guards(&u.operand, !holds)
            }
            Expr::BoolOp(b) if (b.op == ast::BoolOp::And) == holds => b
                .values
                .iter()
                .flat_map(|v| self.isinstance_guards(v, holds))
                .collect(),
            Expr::Call(call) if holds => {
                let isinstance = matches!(&*call.func, Expr::Name(n) if normalise(&n.id) == "isinstance")
                    && self.model.is_untouched_builtin("isinstance")
                    && call.keywords.is_empty();
                match call.args.as_slice() {
                    [Expr::Name(p), class]
                        if isinstance && self.model.is_own_class_check(class) =>
                    {
                        vec![normalise(&p.id).into_owned()]
                    }
                    _ => Vec::new(),
                }
            }
            _ => Vec::new(),
        }
    }

    fn visit_stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::FunctionDef(s) => self.visit_function(
                &s.name,
                s.range(),
                &s.args,
                &s.body,
                &s.decorator_list,
                s.returns.as_deref(),
                !s.type_params.is_empty(),
            ),
            Stmt::AsyncFunctionDef(s) => self.visit_function(
                &s.name,
                s.range(),
                &s.args,
                &s.body,
                &s.decorator_list,
                s.returns.as_deref(),
                !s.type_params.is_empty(),
            ),
            Stmt::ClassDef(s) => self.visit_class(s),
            Stmt::Return(s) => {
                if let Some(value) = s.value.as_deref() {
                    rules::timezones::note_return(self, value);
                }
                self.visit_opt(s.value.as_deref());
            }
            Stmt::Delete(s) => {
                for target in &s.targets {
                    self.visit_delete(target);
                }
            }
            Stmt::Assign(s) => {
                // `__str__ = __repr__` in a class body: another name for a method defined
                // above it, which the class's pre-pass knows as a method of its own.
                let method_alias = match (s.targets.as_slice(), &*s.value) {
                    ([Expr::Name(target)], Expr::Name(value)) => {
                        let value = normalise(&value.id);
                        self.model
                            .is_class_body_method(&value)
                            .then(|| normalise(&target.id).into_owned())
                    }
                    _ => None,
                };
                match method_alias {
                    Some(alias) => self.model.alias_class_body_method(alias),
                    None => self.visit_expr(&s.value),
                }
                rules::timezones::note_assignment(self, &s.targets, &s.value);
                let bound = self.model.bound_here(&s.value);
                let kind = kind_of(&s.value);
                // `DF = pd.DataFrame` stands for what the import pre-pass resolved.
                let alias = matches!(&*s.value, Expr::Attribute(_))
                    && !self.model.resolve_paths(&s.value).is_empty();
                for target in &s.targets {
                    self.model.note_dict_items(target, &s.value);
                    rules::module_tampering::check_store(self, target, &s.value);
                    if self.model.scope() == ScopeKind::Class
                        && matches!(target, Expr::Name(n) if normalise(&n.id) == "__match_args__")
                    {
                        rules::class_hooks::check_match_args(self, &s.value);
                    }
                    match target {
                        Expr::Name(name) if alias => {
                            let id = normalise(&name.id).into_owned();
                            self.bind_as(
                                &id,
                                span_of(name.range),
                                bound.clone(),
                                kind,
                                Origin::Import,
                            );
                        }
                        _ => self.visit_target_as(target, bound.clone(), kind),
                    }
                }
            }
            Stmt::TypeAlias(s) => {
                rules::unsupported::report(self, s.range(), "the `type` statement");
            }
            Stmt::AugAssign(s) => {
                self.visit_expr(&s.value);
                rules::timezones::note_assignment(self, std::slice::from_ref(&*s.target), &s.value);
                self.visit_target(&s.target, Bound::Other);
            }
            Stmt::AnnAssign(s) => {
                if self.model.scope() == ScopeKind::Function {
                    self.visit_annotation_expr(&s.annotation);
                } else {
                    self.visit_annotation(&s.annotation);
                }
                self.visit_opt(s.value.as_deref());
                match s.value.as_deref() {
                    Some(value) => {
                        self.model.note_dict_items(&s.target, value);
                        rules::module_tampering::check_store(self, &s.target, value);
                        self.visit_target_as(
                            &s.target,
                            self.model.bound_here(value),
                            kind_of(value),
                        );
                    }
                    // `open: str` binds nothing; only an attribute target is evaluated.
                    None => {
                        if !matches!(&*s.target, Expr::Name(_)) {
                            self.visit_target(&s.target, Bound::Other);
                        }
                    }
                }
            }
            Stmt::For(s) => {
                self.visit_expr(&s.iter);
                let mark = self.model.flow.mark();
                self.visit_loop_target(&s.target, &s.iter);
                self.visit_body(&s.body);
                self.visit_body(&s.orelse);
                self.model.flow.take_since(mark);
            }
            Stmt::AsyncFor(s) => {
                self.visit_expr(&s.iter);
                let mark = self.model.flow.mark();
                self.visit_loop_target(&s.target, &s.iter);
                self.visit_body(&s.body);
                self.visit_body(&s.orelse);
                self.model.flow.take_since(mark);
            }
            Stmt::While(s) => {
                self.visit_expr(&s.test);
                let mark = self.model.flow.mark();
                self.visit_body(&s.body);
                self.visit_body(&s.orelse);
                self.model.flow.take_since(mark);
            }
            Stmt::If(s) => {
                self.visit_expr(&s.test);
                let mark = self.model.flow.mark();
                let guards = self.isinstance_guards(&s.test, true);
                let guarded = self.model.guard(guards);
                self.visit_body(&s.body);
                self.model.unguard(guarded);
                let body = self.model.flow.take_since(mark);
                let guards = self.isinstance_guards(&s.test, false);
                let guarded = self.model.guard(guards);
                self.visit_body(&s.orelse);
                self.model.unguard(guarded);
                let orelse = self.model.flow.take_since(mark);
                self.model.flow.keep_common(&body, &orelse);
            }
            Stmt::With(s) => {
                // A context manager may suppress an exception and skip the rest of the body.
                let mark = self.model.flow.mark();
                self.visit_with(&s.items, &s.body);
                self.model.flow.take_since(mark);
            }
            Stmt::AsyncWith(s) => {
                let mark = self.model.flow.mark();
                self.visit_with(&s.items, &s.body);
                self.model.flow.take_since(mark);
            }
            Stmt::Match(s) => {
                self.visit_expr(&s.subject);
                let mark = self.model.flow.mark();
                for case in &s.cases {
                    self.visit_pattern(&case.pattern);
                    self.visit_opt(case.guard.as_deref());
                    self.visit_body(&case.body);
                    self.model.flow.take_since(mark);
                }
            }
            Stmt::Raise(s) => {
                self.visit_opt(s.exc.as_deref());
                self.visit_opt(s.cause.as_deref());
            }
            Stmt::Try(s) => self.visit_try(&s.body, &s.handlers, &s.orelse, &s.finalbody),
            Stmt::TryStar(s) => self.visit_try(&s.body, &s.handlers, &s.orelse, &s.finalbody),
            Stmt::Assert(s) => {
                self.visit_expr(&s.test);
                self.visit_opt(s.msg.as_deref());
            }
            Stmt::Import(s) => {
                rules::import_allowlist::check_import(self, s);
                for alias in &s.names {
                    let bound = match &alias.asname {
                        Some(asname) => normalise(asname).into_owned(),
                        None => normalise_dotted(&alias.name)
                            .split('.')
                            .next()
                            .unwrap_or_default()
                            .to_string(),
                    };
                    self.bind_as(
                        &bound,
                        span_of(alias.range()),
                        Bound::Other,
                        BindKind::Definition,
                        Origin::Import,
                    );
                }
            }
            Stmt::ImportFrom(s) => {
                rules::import_forms::check(self, s);
                rules::import_allowlist::check_import_from(self, s);
                for alias in &s.names {
                    let name = normalise(&alias.name).into_owned();
                    if name == "*" {
                        continue;
                    }
                    // `from math import pow` shadows a builtin with a vetted module member.
                    let (bound, kind) = match &alias.asname {
                        Some(asname) => (normalise(asname).into_owned(), BindKind::Definition),
                        None => (name, BindKind::VettedImport),
                    };
                    self.bind_as(
                        &bound,
                        span_of(alias.range()),
                        Bound::Other,
                        kind,
                        Origin::Import,
                    );
                }
            }
            Stmt::Global(s) => {
                for name in &s.names {
                    self.model.declare_global(&normalise(name));
                }
            }
            Stmt::Nonlocal(_) | Stmt::Pass(_) | Stmt::Break(_) | Stmt::Continue(_) => {}
            Stmt::Expr(s) => self.visit_expr(&s.value),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn visit_function(
        &mut self,
        name: &ast::Identifier,
        range: ast::text_size::TextRange,
        args: &ast::Arguments,
        body: &[Stmt],
        decorators: &[Expr],
        returns: Option<&Expr>,
        has_type_params: bool,
    ) {
        let name = normalise(name).into_owned();
        let span = self.name_span(range, &name, "def");
        if has_type_params {
            rules::unsupported::report(self, range, "type parameters");
        }
        self.visit_decorators(decorators);
        self.visit_arguments(args);
        if let Some(returns) = returns {
            self.visit_annotation(returns);
        }
        self.bind(&name, span, Bound::Def, BindKind::Definition);
        let frame = self.model.enter_function(&name, args, decorators, body);
        self.bind_parameters(args);
        self.functions.push(name);
        self.visit_body(body);
        self.functions.pop();
        self.model.exit_function(frame);
    }

    /// Decorators are applied to what they decorate, so a decorator's head is a call.
    fn visit_decorators(&mut self, decorators: &[Expr]) {
        rules::decorator_targets::check_stack(self, decorators);
        for decorator in decorators {
            self.decorator_head = Some(span_of(decorator.range()));
            self.visit_expr(decorator);
            self.decorator_head = None;
        }
    }

    fn visit_class(&mut self, s: &ast::StmtClassDef) {
        let name = normalise(&s.name).into_owned();
        let span = self.name_span(s.range(), &name, "class");
        if !s.type_params.is_empty() {
            rules::unsupported::report(self, s.range(), "type parameters");
        }
        self.visit_decorators(&s.decorator_list);
        for base in &s.bases {
            // `class M(type)` is reported once, as a metaclass (SBX701).
            if !matches!(base, Expr::Name(n) if normalise(&n.id) == "type") {
                self.visit_expr(base);
            }
        }
        rules::class_hooks::check_class_bases(self, &s.bases);
        let own_bases = !s.bases.is_empty()
            && s.bases.iter().all(
                |b| matches!(b, Expr::Name(n) if self.model.is_plain_class(&normalise(&n.id))),
            );
        rules::class_hooks::check_class_keywords(self, &s.keywords, own_bases);
        for keyword in &s.keywords {
            self.visit_expr(&keyword.value);
        }
        self.model.define_class(&name);
        self.bind(&name, span, Bound::Def, BindKind::Definition);
        let plain = self.model.is_plain_class_def(s);
        self.model.enter_class(name, plain);
        self.visit_body(&s.body);
        self.model.exit_class();
    }

    fn visit_arguments(&mut self, args: &ast::Arguments) {
        for arg in args
            .posonlyargs
            .iter()
            .chain(&args.args)
            .chain(&args.kwonlyargs)
        {
            if let Some(default) = &arg.default {
                self.visit_expr(default);
            }
            if let Some(annotation) = &arg.def.annotation {
                self.visit_annotation(annotation);
            }
        }
        for arg in args.vararg.iter().chain(&args.kwarg) {
            if let Some(annotation) = &arg.annotation {
                self.visit_annotation(annotation);
            }
        }
    }

    fn bind_parameters(&mut self, args: &ast::Arguments) {
        let all = args
            .posonlyargs
            .iter()
            .chain(&args.args)
            .chain(&args.kwonlyargs)
            .map(|a| &a.def)
            .chain(args.vararg.as_deref())
            .chain(args.kwarg.as_deref());
        for arg in all {
            let name = normalise(&arg.arg).into_owned();
            let start = usize::from(arg.range.start());
            self.bind(
                &name,
                Span::new(start, start + arg.arg.len()),
                Bound::Other,
                BindKind::Data,
            );
        }
    }

    fn visit_with(&mut self, items: &[ast::WithItem], body: &[Stmt]) {
        for item in items {
            self.visit_expr(&item.context_expr);
            if let Some(vars) = &item.optional_vars {
                self.visit_target(vars, Bound::Other);
            }
        }
        self.visit_body(body);
    }

    fn visit_try(
        &mut self,
        body: &[Stmt],
        handlers: &[ast::ExceptHandler],
        orelse: &[Stmt],
        finalbody: &[Stmt],
    ) {
        // The body may stop at any statement and a handler may not run: only `finally`'s
        // own bindings are definite afterwards.
        let mark = self.model.flow.mark();
        self.visit_body(body);
        for ast::ExceptHandler::ExceptHandler(handler) in handlers {
            if let Some(type_) = &handler.type_ {
                self.visit_except_type(type_);
            }
            let name = handler.name.as_ref().map(|n| normalise(n).into_owned());
            if let Some(name) = &name {
                self.bind(name, span_of(handler.range), Bound::Other, BindKind::Data);
            }
            self.visit_body(&handler.body);
            // Python deletes the name when the handler ends.
            if let Some(name) = &name {
                self.model.unbind(name);
            }
        }
        self.visit_body(orelse);
        self.model.flow.take_since(mark);
        self.visit_body(finalbody);
    }

    fn visit_except_type(&mut self, expr: &Expr) {
        match expr {
            Expr::Name(name) => self.visit_name(name, NameUse::ExceptType),
            Expr::Tuple(t) => {
                for elt in &t.elts {
                    self.visit_except_type(elt);
                }
            }
            other => self.visit_expr(other),
        }
    }

    fn visit_pattern(&mut self, pattern: &ast::Pattern) {
        use ast::Pattern;
        match pattern {
            Pattern::MatchValue(p) => self.visit_expr(&p.value),
            Pattern::MatchSingleton(_) => {}
            Pattern::MatchSequence(p) => {
                for sub in &p.patterns {
                    self.visit_pattern(sub);
                }
            }
            Pattern::MatchMapping(p) => {
                for key in &p.keys {
                    self.visit_expr(key);
                }
                for sub in &p.patterns {
                    self.visit_pattern(sub);
                }
                if let Some(rest) = &p.rest {
                    self.bind_identifier(rest, p.range);
                }
            }
            Pattern::MatchClass(p) => {
                self.visit_expr(&p.cls);
                for attr in &p.kwd_attrs {
                    let attr = normalise(attr).into_owned();
                    // `case C(__class__=x)` reads the attribute like `getattr` does.
                    self.check_value_attr(&Owner::Other, &attr, span_of(p.range), false);
                }
                for sub in p.patterns.iter().chain(&p.kwd_patterns) {
                    self.visit_pattern(sub);
                }
            }
            Pattern::MatchStar(p) => {
                if let Some(name) = &p.name {
                    self.bind_identifier(name, p.range);
                }
            }
            Pattern::MatchAs(p) => {
                if let Some(sub) = &p.pattern {
                    self.visit_pattern(sub);
                }
                if let Some(name) = &p.name {
                    self.bind_identifier(name, p.range);
                }
            }
            Pattern::MatchOr(p) => {
                for sub in &p.patterns {
                    self.visit_pattern(sub);
                }
            }
        }
    }

    fn bind_identifier(&mut self, name: &ast::Identifier, range: ast::text_size::TextRange) {
        let name = normalise(name).into_owned();
        self.bind(&name, span_of(range), Bound::Other, BindKind::Data);
    }

    /// Annotations are evaluated when their statement runs, and `typing.get_type_hints`
    /// evaluates the strings in them later, so they are checked as code and must be type
    /// expressions (SBX503). A variable annotation in a function body is never evaluated.
    fn visit_annotation(&mut self, expr: &Expr) {
        rules::annotations::check(self, expr);
        if !matches!(expr, Expr::Constant(_)) {
            self.visit_annotation_expr(expr);
        }
    }

    /// An annotation's expression, checked as code, where `type` and `type[Strategy]` are type
    /// forms rather than `type` handed on as a value (SBX205): the alias it builds is stored in
    /// `__annotations__`, which the code cannot read. The exception is a class body's
    /// annotation in a program that reads annotations back through `dataclasses.fields`:
    /// there `fields(A)[0].type` is that alias, and calling it calls `type`.
    pub(crate) fn visit_annotation_expr(&mut self, expr: &Expr) {
        match expr {
            Expr::Subscript(sub) => {
                if !self.is_type_form(&sub.value) {
                    self.visit_expr(&sub.value);
                }
                self.visit_annotation_expr(&sub.slice);
            }
            Expr::Tuple(t) => t.elts.iter().for_each(|e| self.visit_annotation_expr(e)),
            Expr::List(l) => l.elts.iter().for_each(|e| self.visit_annotation_expr(e)),
            Expr::BinOp(b) if b.op == ast::Operator::BitOr => {
                self.visit_annotation_expr(&b.left);
                self.visit_annotation_expr(&b.right);
            }
            name if self.is_type_form(name) => {}
            other => self.visit_expr(other),
        }
    }

    /// Whether `expr`, in an annotation or as the base of a subscript there, is the builtin
    /// `type`, and the annotation cannot be read back as a value.
    fn is_type_form(&self, expr: &Expr) -> bool {
        let Expr::Name(name) = expr else {
            return false;
        };
        normalise(&name.id) == "type"
            && self.model.bindings_of("type").is_none()
            && !(self.model.scope() == ScopeKind::Class
                && self.model.annotation_class_reader().is_some())
    }

    // ----- binding targets -----

    /// `del target`: a name stops being bound; attributes and items are checked as stores.
    fn visit_delete(&mut self, target: &Expr) {
        match target {
            Expr::Name(name) => {
                self.model.unbind(&normalise(&name.id));
            }
            Expr::Tuple(t) => t.elts.iter().for_each(|e| self.visit_delete(e)),
            Expr::List(l) => l.elts.iter().for_each(|e| self.visit_delete(e)),
            other => self.visit_target(other, Bound::Other),
        }
    }

    fn visit_target(&mut self, target: &Expr, bound: Bound) {
        self.visit_target_as(target, bound, BindKind::Data);
    }

    /// Binds an assignment target; `kind` says what the assigned value was.
    fn visit_target_as(&mut self, target: &Expr, bound: Bound, kind: BindKind) {
        match target {
            Expr::Name(name) => {
                let id = normalise(&name.id).into_owned();
                self.bind(&id, span_of(name.range), bound, kind);
            }
            Expr::Tuple(t) => {
                for elt in &t.elts {
                    self.visit_target(elt, Bound::Other);
                }
            }
            Expr::List(t) => {
                for elt in &t.elts {
                    self.visit_target(elt, Bound::Other);
                }
            }
            Expr::Starred(s) => self.visit_target(&s.value, Bound::Other),
            Expr::Subscript(_) => {
                self.visit_expr(target);
            }
            Expr::Attribute(a) => {
                // `self._cache = ...` defines an attribute the code owns.
                if let Expr::Name(base) = &*a.value {
                    if self.model.is_self_name(&normalise(&base.id)) {
                        self.model.define_attr(&normalise(&a.attr));
                    }
                }
                self.visit_expr(target);
            }
            other => self.visit_expr(other),
        }
    }

    /// `for name in ["a", "b"]` binds `name` to literal strings only, and so does
    /// `for name in METHODS` when `METHODS` is only ever bound to a literal list of strings
    /// (only when nothing can change the sequence in place).
    fn visit_loop_target(&mut self, target: &Expr, iter: &Expr) {
        if let (Expr::Name(name), Expr::Name(seq)) = (target, iter) {
            let id = normalise(&name.id).into_owned();
            let seq = normalise(&seq.id);
            if let Some(strings) = self.model.loop_strings(&seq) {
                self.model.note_loop_source(&id, &seq);
                let span = span_of(name.range);
                for s in strings {
                    self.bind(&id, span, Bound::Str(vec![s]), BindKind::Data);
                }
                return;
            }
        }
        if let Expr::Name(name) = target {
            let callee = match iter {
                Expr::Name(seq) => self.model.loop_instances(&normalise(&seq.id)),
                other => instances_of(other),
            };
            if let Some(callee) = callee {
                let id = normalise(&name.id).into_owned();
                self.bind(
                    &id,
                    span_of(name.range),
                    Bound::CallOf(callee),
                    BindKind::Data,
                );
                return;
            }
            let numbers = if is_literal_numbers(iter) {
                Some(Bound::Num)
            } else {
                matches!(iter, Expr::Call(call) if matches!(&*call.func, Expr::Name(n) if normalise(&n.id) == "range"))
                    .then_some(Bound::RangeItem)
            };
            if let Some(bound) = numbers {
                let id = normalise(&name.id).into_owned();
                self.bind(&id, span_of(name.range), bound, BindKind::Data);
                return;
            }
            if let Some(strings) = literal_strings(iter) {
                let id = normalise(&name.id).into_owned();
                let span = span_of(name.range);
                if strings.is_empty() {
                    self.bind(&id, span, Bound::Other, BindKind::Data);
                }
                for s in strings {
                    self.bind(&id, span, Bound::Str(vec![s]), BindKind::Data);
                }
                return;
            }
        }
        self.visit_target(target, Bound::Other);
    }

    /// Records that `name` is bound here, after checking the binding is allowed.
    pub(crate) fn bind(&mut self, name: &str, span: Span, bound: Bound, kind: BindKind) {
        self.bind_as(name, span, bound, kind, Origin::Other);
    }

    fn bind_as(&mut self, name: &str, span: Span, bound: Bound, kind: BindKind, origin: Origin) {
        rules::builtin_rebinding::check(self, name, span, kind);
        rules::dunder_access::check_dunder_binding(self, name, span);
        self.model.bind(name, bound, origin);
    }

    // ----- expressions -----

    pub(crate) fn visit_opt(&mut self, expr: Option<&Expr>) {
        if let Some(expr) = expr {
            self.visit_expr(expr);
        }
    }

    pub(crate) fn visit_expr(&mut self, expr: &Expr) {
        match expr {
            Expr::BoolOp(e) => {
                // `isinstance(o, C) and o._k == ...`: later operands run only when the
                // earlier ones held (`and`) or failed (`or`).
                let mark = self.model.guard(Vec::new());
                let and = e.op == ast::BoolOp::And;
                for value in &e.values {
                    self.visit_expr(value);
                    let guards = self.isinstance_guards(value, and);
                    self.model.guard(guards);
                }
                self.model.unguard(mark);
            }
            Expr::NamedExpr(e) => {
                self.visit_expr(&e.value);
                let bound = self.model.bound_here(&e.value);
                match &*e.target {
                    Expr::Name(name) => {
                        let id = normalise(&name.id).into_owned();
                        let span = span_of(name.range);
                        self.bind_as(&id, span, bound, kind_of(&e.value), Origin::Walrus);
                    }
                    other => self.visit_target_as(other, bound, kind_of(&e.value)),
                }
            }
            Expr::BinOp(e) => {
                self.visit_expr(&e.left);
                self.visit_expr(&e.right);
            }
            Expr::UnaryOp(e) => self.visit_expr(&e.operand),
            Expr::Lambda(e) => {
                self.visit_arguments(&e.args);
                let frame = self.model.enter_lambda(&e.args);
                self.bind_parameters(&e.args);
                self.visit_expr(&e.body);
                self.model.exit_function(frame);
            }
            Expr::IfExp(e) => {
                self.visit_expr(&e.test);
                let guards = self.isinstance_guards(&e.test, true);
                let mark = self.model.guard(guards);
                self.visit_expr(&e.body);
                self.model.unguard(mark);
                let guards = self.isinstance_guards(&e.test, false);
                let mark = self.model.guard(guards);
                self.visit_expr(&e.orelse);
                self.model.unguard(mark);
            }
            Expr::Dict(e) => {
                for key in e.keys.iter().flatten() {
                    self.visit_expr(key);
                }
                for value in &e.values {
                    self.visit_expr(value);
                }
            }
            Expr::Set(e) => self.visit_all(&e.elts),
            Expr::ListComp(e) => self.visit_comprehension(&e.generators, &[&e.elt]),
            Expr::SetComp(e) => self.visit_comprehension(&e.generators, &[&e.elt]),
            Expr::DictComp(e) => self.visit_comprehension(&e.generators, &[&e.key, &e.value]),
            Expr::GeneratorExp(e) => self.visit_comprehension(&e.generators, &[&e.elt]),
            Expr::Await(e) => self.visit_expr(&e.value),
            Expr::Yield(e) => self.visit_opt(e.value.as_deref()),
            Expr::YieldFrom(e) => self.visit_expr(&e.value),
            Expr::Compare(e) => {
                self.visit_expr(&e.left);
                self.visit_all(&e.comparators);
            }
            Expr::Call(e) => self.visit_call(e),
            Expr::FormattedValue(e) => {
                self.visit_expr(&e.value);
                self.visit_opt(e.format_spec.as_deref());
            }
            Expr::JoinedStr(e) => self.visit_all(&e.values),
            Expr::Constant(c) => match &c.value {
                Constant::Str(text) => {
                    rules::timezones::check_literal(self, text, span_of(c.range));
                    // A method's name in a string may reach it through `getattr`,
                    // `methodcaller`, ...; only a string that can be an identifier names one.
                    let identifier = text.len() <= 64
                        && !text.is_empty()
                        && text.chars().all(|ch| ch.is_alphanumeric() || ch == '_');
                    if identifier {
                        self.model.record_method_reference(&normalise(text));
                    }
                }
                Constant::Bytes(bytes) => rules::timezones::check_literal(
                    self,
                    &String::from_utf8_lossy(bytes),
                    span_of(c.range),
                ),
                _ => {}
            },
            Expr::Attribute(_) => self.visit_attribute_chain(expr),
            Expr::Subscript(e) => {
                self.visit_expr(&e.value);
                self.visit_expr(&e.slice);
            }
            Expr::Starred(e) => self.visit_expr(&e.value),
            Expr::Name(e) => {
                if e.ctx.is_load() {
                    self.visit_name(e, NameUse::Value);
                } else {
                    let id = normalise(&e.id).into_owned();
                    self.bind(&id, span_of(e.range), Bound::Other, BindKind::Data);
                }
            }
            Expr::List(e) => self.visit_all(&e.elts),
            Expr::Tuple(e) => self.visit_all(&e.elts),
            Expr::Slice(e) => {
                self.visit_opt(e.lower.as_deref());
                self.visit_opt(e.upper.as_deref());
                self.visit_opt(e.step.as_deref());
            }
        }
    }

    fn visit_all(&mut self, exprs: &[Expr]) {
        for expr in exprs {
            self.visit_expr(expr);
        }
    }

    fn visit_comprehension(&mut self, generators: &[ast::Comprehension], elts: &[&Expr]) {
        // The first iterable is evaluated in the enclosing scope; the rest in the
        // comprehension's own scope.
        let mut generators = generators.iter();
        let first = generators.next();
        if let Some(first) = first {
            self.visit_expr(&first.iter);
        }
        let self_names = self.model.self_names_snapshot();
        self.model.enter_scope(ScopeKind::Comprehension);
        if let Some(first) = first {
            self.visit_loop_target(&first.target, &first.iter);
            self.visit_all(&first.ifs);
        }
        for generator in generators {
            self.visit_expr(&generator.iter);
            self.visit_loop_target(&generator.target, &generator.iter);
            self.visit_all(&generator.ifs);
        }
        for elt in elts {
            self.visit_expr(elt);
        }
        self.model.exit_scope();
        self.model.restore_self_names(self_names);
    }

    pub(crate) fn visit_name(&mut self, name: &ast::ExprName, use_: NameUse) {
        let id = normalise(&name.id);
        if use_ != NameUse::AttrBase {
            rules::foreign_self::check_class_body_name(self, &id, span_of(name.range));
        }
        self.check_name_load(&id, span_of(name.range), use_);
    }

    fn visit_call(&mut self, original: &ast::ExprCall) {
        // Rules see keywords as CPython binds them: NFKC-normalised names, and the entries of
        // a literal `**{...}` as keywords of their own.
        let expanded = expand_keywords(original);
        let call = expanded.as_ref().unwrap_or(original);
        self.check_call_capabilities(call);
        rules::decorator_targets::check_call(self, call);
        rules::timezones::check_call(self, call);
        match &*call.func {
            Expr::Name(name) => {
                let id = normalise(&name.id).into_owned();
                if id == "getattr" {
                    rules::foreign_self::check_getattr(self, call);
                }
                self.check_named_call(&id, call);
                self.visit_name(name, NameUse::Callee);
            }
            func @ Expr::Attribute(attr) => {
                let method = normalise(&attr.attr).into_owned();
                rules::foreign_self::check(self, call);
                let unbound = self.model.may_be_class(&attr.value);
                self.model.record_method_call(&method, call, unbound);
                if !self.model.is_frozen_init(call) {
                    self.check_method_call(&method, call);
                    self.visit_attribute_chain_as(func, true);
                }
            }
            other => {
                rules::type_construction::check_call_of_call(self, call);
                self.called_result = Some(span_of(other.range()));
                self.visit_expr(other);
            }
        }
        rules::deserialization::check_keywords(self, &call.keywords);
        match self.module_getattr(original) {
            Some(attribute) => {
                self.visit_expr(&attribute);
                self.visit_all(&original.args[2..]);
            }
            None => self.visit_all(&original.args),
        }
        for keyword in &original.keywords {
            self.visit_expr(&keyword.value);
        }
    }

    /// `getattr(np, "nanmean")`: with a module that is only ever that import and a literal
    /// name, the same as `np.nanmean`, and checked as that attribute is (the name's text
    /// stands for the attribute).
    fn module_getattr(&self, call: &ast::ExprCall) -> Option<Expr> {
        let is_getattr = matches!(&*call.func, Expr::Name(n) if normalise(&n.id) == "getattr")
            && self.model.is_untouched_builtin("getattr");
        let (Expr::Name(module), Expr::Constant(name)) = (call.args.first()?, call.args.get(1)?)
        else {
            return None;
        };
        let (true, Constant::Str(attr), Some(crate::semantic::Alias::Module(_))) = (
            is_getattr && call.keywords.is_empty(),
            &name.value,
            self.model.alias(&normalise(&module.id)),
        ) else {
            return None;
        };
        // The literal's text, without its closing quote, ends where the attribute's name would.
        let end = name.range.end() - ast::text_size::TextSize::from(1);
        Some(Expr::Attribute(ast::ExprAttribute {
            range: ast::text_size::TextRange::new(
                module.range.start(),
                end.max(module.range.end()),
            ),
            value: Box::new(call.args[0].clone()),
            attr: ast::Identifier::new(attr.as_str()),
            ctx: ast::ExprContext::Load,
        }))
    }

    /// An attribute chain `base.a.b.c`, handled once from its outermost node.
    fn visit_attribute_chain(&mut self, expr: &Expr) {
        self.visit_attribute_chain_as(expr, false);
    }

    /// An attribute chain; `callee` when it is the function of a call being checked.
    fn visit_attribute_chain_as(&mut self, expr: &Expr, callee: bool) {
        if !callee {
            self.check_sink_reference(expr);
        }
        let (base, attrs) = chain(expr);
        let store = match expr {
            Expr::Attribute(a) if !a.ctx.is_load() => {
                rules::module_tampering::check_attribute_write(self, expr, a);
                true
            }
            _ => false,
        };
        // attrs are outermost first; walk innermost first.
        // Each attribute's span covers its name, which ends its attribute node.
        let attrs: Vec<(Cow<'_, str>, Span)> = attrs
            .iter()
            .rev()
            .map(|(name, range)| {
                let end = usize::from(range.end());
                let start = end
                    .saturating_sub(name.len())
                    .max(usize::from(range.start()));
                (normalise(name), Span::new(start, end))
            })
            .collect();
        self.check_attribute_chain(base, &attrs, store);
        for (i, (attr, _)) in attrs.iter().enumerate() {
            if !(callee && i + 1 == attrs.len()) {
                self.model.record_method_reference(attr);
            }
        }
        if let Some((first, span)) = attrs.first() {
            // `Class.method` not called at once, `Class.prop.fget`, a class body's `m.fget`.
            let direct = attrs.len() == 1 && (callee || store);
            let whole = Span::new(usize::from(base.range().start()), span.end);
            if !direct {
                rules::foreign_self::check_reference(self, base, first, whole);
            }
            let accessor = matches!(first.as_ref(), "setter" | "getter" | "deleter");
            if let (Expr::Name(name), false) = (base, accessor) {
                rules::foreign_self::check_class_body_name(self, &normalise(&name.id), whole);
            }
        }
        match base {
            Expr::Name(name) => self.visit_name(name, NameUse::AttrBase),
            other => self.visit_expr(other),
        }
    }

    // ----- after the walk -----

    fn resolve_deferred(&mut self) {
        let deferred = std::mem::take(&mut self.deferred);
        for item in deferred {
            match item {
                Deferred::Private { owner, attr, span } => {
                    rules::private_attribute::resolve(self, &owner, &attr, span);
                }
                Deferred::Literal {
                    name,
                    span,
                    purpose,
                } => self.resolve_literal(&name, span, purpose),
                Deferred::Annotation { name, span, role } => {
                    rules::annotations::resolve(self, &name, span, role);
                }
                Deferred::TimeZone { name, span } => {
                    rules::timezones::resolve(self, &name, span);
                }
                Deferred::QueryItem { name, span, method } => {
                    rules::dataframe_eval::resolve_item(self, &name, span, &method);
                }
                Deferred::Number { name, span, method } => {
                    rules::dataframe_eval::resolve_number(self, &name, span, &method);
                }
            }
        }
    }

    /// The span of the name in `def name` / `class name`, found after the keyword.
    fn name_span(&self, range: ast::text_size::TextRange, name: &str, keyword: &str) -> Span {
        let start = usize::from(range.start());
        let end = usize::from(range.end()).min(self.source.len());
        let text = self.source.get(start..end).unwrap_or_default();
        let mut search = 0;
        while let Some(found) = text[search..].find(keyword) {
            let after = search + found + keyword.len();
            let rest = &text[after..];
            let trimmed = rest.trim_start();
            let name_at = after + (rest.len() - trimmed.len());
            let raw_len = trimmed
                .char_indices()
                .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
                .map_or(trimmed.len(), |(i, _)| i);
            if raw_len > 0 && (normalise(&trimmed[..raw_len]) == name) {
                return Span::new(start + name_at, start + name_at + raw_len);
            }
            search = after;
        }
        Span::new(start, start)
    }
}

/// The call with keyword names NFKC-normalised and literal `**{"name": value}` entries turned
/// into keywords, or `None` when nothing changes.
fn expand_keywords(call: &ast::ExprCall) -> Option<ast::ExprCall> {
    let changes = call.keywords.iter().any(|k| match &k.arg {
        Some(arg) => !arg.as_str().is_ascii(),
        None => literal_keys(&k.value).is_some(),
    });
    if !changes {
        return None;
    }
    let mut keywords = Vec::with_capacity(call.keywords.len());
    for keyword in &call.keywords {
        match &keyword.arg {
            Some(arg) => keywords.push(ast::Keyword {
                arg: Some(ast::Identifier::new(normalise(arg).into_owned())),
                value: keyword.value.clone(),
                range: keyword.range,
            }),
            None => match (literal_keys(&keyword.value), &keyword.value) {
                (Some(keys), Expr::Dict(dict)) => {
                    for (key, value) in keys.into_iter().zip(&dict.values) {
                        keywords.push(ast::Keyword {
                            arg: Some(ast::Identifier::new(normalise(&key).into_owned())),
                            value: value.clone(),
                            range: keyword.range,
                        });
                    }
                }
                _ => keywords.push(keyword.clone()),
            },
        }
    }
    Some(ast::ExprCall {
        range: call.range,
        func: call.func.clone(),
        args: call.args.clone(),
        keywords,
    })
}

/// The keys of a literal dict whose keys are all string literals.
fn literal_keys(expr: &Expr) -> Option<Vec<String>> {
    let Expr::Dict(dict) = expr else {
        return None;
    };
    dict.keys
        .iter()
        .map(|key| match key {
            Some(Expr::Constant(c)) => match &c.value {
                Constant::Str(s) => Some(s.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// Whether a statement ends the block it is in: the code after it runs only when the
/// block was not entered.
fn leaves_block(stmt: &Stmt) -> bool {
    matches!(
        stmt,
        Stmt::Return(_) | Stmt::Raise(_) | Stmt::Continue(_) | Stmt::Break(_)
    )
}

/// The byte span of a node.
pub(crate) fn span_of(range: ast::text_size::TextRange) -> Span {
    Span::new(usize::from(range.start()), usize::from(range.end()))
}

/// Parses a string as a Python expression (string annotations), with spans inside the source.
pub(crate) fn parse_expression_text(
    checker: &Checker<'_>,
    text: &str,
    offset: usize,
) -> Option<Expr> {
    let limit = checker.policy.max_nesting_depth;
    if crate::guard::check_depth(text, limit).is_err()
        || text.len() > checker.policy.max_source_bytes
    {
        return None;
    }
    let start = ast::text_size::TextSize::try_from(offset).unwrap_or_default();
    <Expr as rustpython_parser::Parse>::parse_starts_at(text, "<annotation>", start).ok()
}
