//! The one walk over the syntax tree. It visits every node (annotations, defaults, decorators,
//! bases, keywords, handlers, patterns, guards, f-string parts, slices, ...) and hands each to
//! the rules that judge it. Facts that need the whole program (which names hold only literal
//! strings, which private attributes the code defined itself) are settled after the walk.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use rustpython_parser::ast::{self, Constant, Expr, Ranged, Stmt};

use crate::index::{PathVerdict, PolicyIndex};
use crate::names::normalise;
use crate::rules::{self, Rule};
use crate::semantic::Definite;
use crate::{Finding, Policy, Span};

/// What a name in the program was bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Alias {
    /// A module or module namespace, by full dotted path.
    Module(String),
    /// A value reached through a module (`from pandas import DataFrame`), by full dotted path.
    Value(String),
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
    /// A numeric literal (`threshold = 0.02`, `n = -5`).
    Num,
    /// A literal list, tuple or set of strings (`METHODS = ["mean", "std"]`).
    StrSeq(Vec<String>),
    /// A literal list or tuple of calls of one callable (`[Rule(1), Rule(2)]`).
    SeqOf(String),
    /// Anything else.
    Other,
}

/// How a name gets bound, for the rebinding rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BindKind {
    /// `from m import name` under its own name: a vetted module member.
    VettedImport,
    /// `name = other_name` or `name = a.b`: one callable standing in for another.
    Alias,
    /// `def`, `class`, `import ... as name`.
    Definition,
    /// Computed data, parameters, loop and `with` targets.
    Data,
}

/// Where a binding comes from, for the semantic model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// An import, or `name = module.attr`: the name stands for what the import pre-pass found.
    Import,
    /// `(name := value)`, which may not run.
    Walrus,
    /// Anything else.
    Other,
}

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

/// The base of a private attribute access, for deciding whether the code owns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Owner {
    /// The first parameter of a method (`self`, `cls`).
    SelfLike,
    /// `super()`, when the code does not rebind `super`.
    Super,
    /// Another parameter of a method of the code's own plain class (`other` in `__eq__`):
    /// its private attributes are fine when the code defines them.
    Peer,
    /// A plain name.
    Name(String),
    /// Anything else.
    Other,
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScopeKind {
    Module,
    Class,
    Function,
    Lambda,
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
    /// Every module alias a name may stand for, from imports anywhere in the program.
    aliases: HashMap<String, Vec<Alias>>,
    /// Names bound somewhere other than by an import: such a name is never definitely an
    /// alias, so exemptions that trust an alias do not apply to it.
    non_import: HashSet<String>,
    /// Names definitely bound at the current point of the walk.
    definite: Definite,
    pub(crate) bindings: HashMap<String, Vec<Bound>>,
    pub(crate) deferred: Vec<Deferred>,
    pub(crate) own_attrs: HashSet<String>,
    pub(crate) own_classes: HashSet<String>,
    /// Own classes whose bases are all plain (`object`, own plain classes, `ABC`,
    /// `Exception`, ...): their instances hold nothing of a library's.
    pub(crate) plain_classes: HashSet<String>,
    /// `(class, method)` for every method that takes the instance as `self`.
    pub(crate) instance_methods: HashSet<(String, String)>,
    /// Names of every function defined in a class body.
    pub(crate) own_methods: HashSet<String>,
    /// The classes whose bodies are being walked, innermost last, with their plainness.
    class_stack: Vec<(String, bool)>,
    /// Whether the current self names belong to a plain class.
    pub(crate) plain_self: bool,
    /// The other parameters of the enclosing method of an own plain class.
    pub(crate) peer_names: Vec<String>,
    /// Names whose value may be changed in place or escape: used as an attribute base
    /// (`names.append(...)`), passed to a call, or assigned to another name.
    pub(crate) touched: HashSet<String>,
    /// Loop variables bound from a name holding a literal sequence: variable -> sequences.
    pub(crate) loop_sources: HashMap<String, Vec<String>>,
    pub(crate) scopes: Vec<ScopeKind>,
    /// A unique id for each entry of `scopes`.
    scope_ids: Vec<usize>,
    next_scope_id: usize,
    /// Names that stand for the instance or class here: the first parameter of the enclosing
    /// method, unless a nested function or lambda shadows it.
    pub(crate) self_names: Vec<String>,
}

impl<'a> Checker<'a> {
    pub(crate) fn new(source: &'a str, policy: &'a Policy) -> Self {
        Checker {
            source,
            policy,
            index: PolicyIndex::new(policy),
            findings: Vec::new(),
            aliases: HashMap::new(),
            non_import: HashSet::new(),
            definite: Definite::default(),
            bindings: HashMap::new(),
            deferred: Vec::new(),
            own_attrs: HashSet::new(),
            own_classes: HashSet::new(),
            plain_classes: HashSet::new(),
            instance_methods: HashSet::new(),
            own_methods: HashSet::new(),
            class_stack: Vec::new(),
            plain_self: false,
            peer_names: Vec::new(),
            touched: HashSet::new(),
            loop_sources: HashMap::new(),
            scopes: vec![ScopeKind::Module],
            scope_ids: vec![0],
            next_scope_id: 1,
            self_names: Vec::new(),
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

    pub(crate) fn scope(&self) -> ScopeKind {
        self.scopes.last().copied().unwrap_or(ScopeKind::Module)
    }

    fn enter_scope(&mut self, kind: ScopeKind) {
        self.scopes.push(kind);
        self.scope_ids.push(self.next_scope_id);
        self.next_scope_id += 1;
    }

    fn exit_scope(&mut self) {
        self.scopes.pop();
        self.scope_ids.pop();
    }

    /// Ids of the scopes whose bindings a name used here can refer to: the current scope and
    /// the enclosing function, lambda and module scopes (class bodies are not enclosing).
    pub(crate) fn visible_scopes(&self) -> Vec<usize> {
        let last = self.scopes.len().saturating_sub(1);
        self.scopes
            .iter()
            .zip(&self.scope_ids)
            .enumerate()
            .filter(|(i, (kind, _))| *i == last || **kind != ScopeKind::Class)
            .map(|(_, (_, id))| *id)
            .collect()
    }

    /// Whether a binding of `name` by the code definitely reaches this point: in the current
    /// scope, or in an enclosing function or module scope by the time the current function was
    /// defined. Bindings that may not have run (a branch, a loop body, `try`, `with`,
    /// annotation-only `x: T`, after `del`) do not count.
    pub(crate) fn definitely_shadowed(&self, name: &str) -> bool {
        self.visible_scopes()
            .iter()
            .any(|id| self.definite.is_bound(*id, name))
    }

    /// Self names inside a new function or lambda: inherited ones its parameters do not
    /// shadow, plus `method_self` (a method's first parameter).
    fn self_names_for(&self, args: &ast::Arguments, method_self: Option<String>) -> Vec<String> {
        let params: Vec<String> = args
            .posonlyargs
            .iter()
            .chain(&args.args)
            .chain(&args.kwonlyargs)
            .map(|a| normalise(&a.def.arg).into_owned())
            .chain(
                args.vararg
                    .iter()
                    .chain(&args.kwarg)
                    .map(|a| normalise(&a.arg).into_owned()),
            )
            .collect();
        let mut names: Vec<String> = self
            .self_names
            .iter()
            .filter(|n| !params.contains(n))
            .cloned()
            .collect();
        names.extend(method_self);
        names
    }

    /// `object.__setattr__(self, "name", value)`: how a frozen dataclass sets a field of its
    /// own instance in `__post_init__`. Only on `self` of an own plain class, with a literal
    /// public name.
    fn is_frozen_init(&self, call: &ast::ExprCall) -> bool {
        let Expr::Attribute(func) = &*call.func else {
            return false;
        };
        let object = matches!(&*func.value, Expr::Name(n) if normalise(&n.id) == "object")
            && self.aliases_of("object").is_empty()
            && !self.non_import.contains("object");
        let name_ok = match call.args.get(1) {
            Some(Expr::Constant(c)) => match &c.value {
                Constant::Str(name) => {
                    !name.starts_with('_') && name.chars().all(|c| c.is_alphanumeric() || c == '_')
                }
                _ => false,
            },
            _ => false,
        };
        let on_self = matches!(call.args.first(), Some(Expr::Name(n)) if self.is_self_name(&normalise(&n.id)))
            && self.plain_self;
        object
            && normalise(&func.attr) == "__setattr__"
            && on_self
            && name_ok
            && call.args.len() == 3
            && call.keywords.is_empty()
    }

    /// A base that keeps a class plain: no library class, no metaclass behind it.
    fn is_plain_base(&self, base: &Expr) -> bool {
        let (root, attrs) = chain(base);
        let Expr::Name(n) = root else {
            return false;
        };
        let id = normalise(&n.id);
        if attrs.is_empty() {
            return self.plain_classes.contains(id.as_ref())
                || matches!(
                    id.as_ref(),
                    "object" | "Exception" | "ValueError" | "KeyError"
                )
                || matches!(
                    self.resolve_path(base).as_deref(),
                    Some("abc.ABC" | "enum.Enum" | "enum.IntEnum" | "typing.NamedTuple")
                );
        }
        matches!(
            self.resolve_path(base).as_deref(),
            Some("abc.ABC" | "enum.Enum" | "enum.IntEnum" | "typing.NamedTuple")
        )
    }

    pub(crate) fn is_self_name(&self, name: &str) -> bool {
        self.self_names.iter().any(|s| s == name)
    }

    /// The module alias a name definitely stands for: every import of the name agrees and
    /// nothing else binds it.
    pub(crate) fn alias(&self, name: &str) -> Option<&Alias> {
        match self.aliases.get(name).map(Vec::as_slice) {
            Some([only]) if !self.non_import.contains(name) => Some(only),
            _ => None,
        }
    }

    /// Every module alias a name may stand for (imports in any branch or function).
    pub(crate) fn aliases_of(&self, name: &str) -> &[Alias] {
        self.aliases.get(name).map_or(&[], Vec::as_slice)
    }

    fn add_prepass_alias(&mut self, name: String, alias: Alias, nested: bool) {
        if nested {
            self.non_import.insert(name.clone());
        }
        self.add_alias(name, alias);
    }

    fn add_alias(&mut self, name: String, alias: Alias) {
        let list = self.aliases.entry(name).or_default();
        if !list.contains(&alias) {
            list.push(alias);
        }
    }

    /// Full dotted path of a name or attribute chain rooted at a name that definitely stands
    /// for an import (`np.linalg.inv` -> `numpy.linalg.inv`).
    pub(crate) fn resolve_path(&self, expr: &Expr) -> Option<String> {
        let (base, attrs) = chain(expr);
        let Expr::Name(name) = base else {
            return None;
        };
        let root = match self.alias(&normalise(&name.id))? {
            Alias::Module(path) | Alias::Value(path) => path.clone(),
        };
        Some(extend_path(root, &attrs))
    }

    /// Every dotted path a name or attribute chain may resolve to, one per alias its base may
    /// stand for.
    pub(crate) fn resolve_paths(&self, expr: &Expr) -> Vec<String> {
        let (base, attrs) = chain(expr);
        let Expr::Name(name) = base else {
            return Vec::new();
        };
        self.aliases_of(&normalise(&name.id))
            .iter()
            .map(|alias| match alias {
                Alias::Module(path) | Alias::Value(path) => extend_path(path.clone(), &attrs),
            })
            .collect()
    }

    /// Runs the whole check over a parsed module.
    pub(crate) fn run(&mut self, body: &[Stmt]) {
        self.collect_aliases(body);
        self.visit_body(body);
        self.resolve_deferred();
    }

    // ----- the pre-pass: what imported names stand for, independent of order -----

    fn collect_aliases(&mut self, body: &[Stmt]) {
        let mut assigns = Vec::new();
        self.collect_imports(body, &mut assigns, false);
        // Simple aliases of module paths (`DF = pd.DataFrame`), resolved after all imports.
        for _ in 0..2 {
            for (name, value) in &assigns {
                for path in self.resolve_paths(value) {
                    self.add_alias(name.clone(), Alias::Value(path));
                }
            }
        }
    }

    /// `nested`: inside a function or class body, whose imports bind names of that scope
    /// only, so the name is never definitely that import elsewhere.
    fn collect_imports<'s>(
        &mut self,
        body: &'s [Stmt],
        assigns: &mut Vec<(String, &'s Expr)>,
        nested: bool,
    ) {
        for stmt in body {
            match stmt {
                Stmt::Import(s) => {
                    for alias in &s.names {
                        let module = normalise_dotted(&alias.name);
                        match &alias.asname {
                            Some(asname) => {
                                let name = normalise(asname).into_owned();
                                self.add_prepass_alias(name, Alias::Module(module), nested);
                            }
                            None => {
                                let top = module.split('.').next().unwrap_or_default().to_string();
                                self.add_prepass_alias(top.clone(), Alias::Module(top), nested);
                            }
                        }
                    }
                }
                Stmt::ImportFrom(s) => {
                    let Some(module) = &s.module else { continue };
                    let module = normalise_dotted(module);
                    for alias in &s.names {
                        let name = normalise(&alias.name);
                        if name == "*" {
                            continue;
                        }
                        let bound = alias.asname.as_ref().map_or_else(
                            || name.clone().into_owned(),
                            |a| normalise(a).into_owned(),
                        );
                        let full = format!("{module}.{name}");
                        let segments: Vec<&str> = full.split('.').collect();
                        let kind = if self.index.import_allowed(&full)
                            || self.index.check_path(&segments) == PathVerdict::Namespace
                        {
                            Alias::Module(full)
                        } else {
                            Alias::Value(full)
                        };
                        self.add_prepass_alias(bound, kind, nested);
                    }
                }
                Stmt::Assign(s) => {
                    if let [Expr::Name(target)] = s.targets.as_slice() {
                        if matches!(&*s.value, Expr::Attribute(_)) {
                            assigns.push((normalise(&target.id).into_owned(), &s.value));
                        }
                    }
                }
                _ => {}
            }
            let inner = nested
                || matches!(
                    stmt,
                    Stmt::FunctionDef(_) | Stmt::AsyncFunctionDef(_) | Stmt::ClassDef(_)
                );
            for child in child_bodies(stmt) {
                self.collect_imports(child, assigns, inner);
            }
        }
    }

    // ----- statements -----

    pub(crate) fn visit_body(&mut self, body: &[Stmt]) {
        for stmt in body {
            self.visit_stmt(stmt);
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
            Stmt::Return(s) => self.visit_opt(s.value.as_deref()),
            Stmt::Delete(s) => {
                for target in &s.targets {
                    self.visit_delete(target);
                }
            }
            Stmt::Assign(s) => {
                self.visit_expr(&s.value);
                if let Expr::Name(n) = &*s.value {
                    self.touched.insert(normalise(&n.id).into_owned());
                }
                let bound = self.bound_here(&s.value);
                let kind = kind_of(&s.value);
                // `DF = pd.DataFrame` stands for what the import pre-pass resolved.
                let alias = matches!(&*s.value, Expr::Attribute(_))
                    && !self.resolve_paths(&s.value).is_empty();
                for target in &s.targets {
                    rules::module_tampering::check_store(self, target, &s.value);
                    if self.scope() == ScopeKind::Class
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
                self.visit_target(&s.target, Bound::Other);
            }
            Stmt::AnnAssign(s) => {
                self.visit_annotation(&s.annotation);
                self.visit_opt(s.value.as_deref());
                match s.value.as_deref() {
                    Some(value) => {
                        rules::module_tampering::check_store(self, &s.target, value);
                        self.visit_target_as(&s.target, self.bound_here(value), kind_of(value));
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
                let mark = self.definite.mark();
                self.visit_loop_target(&s.target, &s.iter);
                self.visit_body(&s.body);
                self.visit_body(&s.orelse);
                self.definite.take_since(mark);
            }
            Stmt::AsyncFor(s) => {
                self.visit_expr(&s.iter);
                let mark = self.definite.mark();
                self.visit_loop_target(&s.target, &s.iter);
                self.visit_body(&s.body);
                self.visit_body(&s.orelse);
                self.definite.take_since(mark);
            }
            Stmt::While(s) => {
                self.visit_expr(&s.test);
                let mark = self.definite.mark();
                self.visit_body(&s.body);
                self.visit_body(&s.orelse);
                self.definite.take_since(mark);
            }
            Stmt::If(s) => {
                self.visit_expr(&s.test);
                let mark = self.definite.mark();
                self.visit_body(&s.body);
                let body = self.definite.take_since(mark);
                self.visit_body(&s.orelse);
                let orelse = self.definite.take_since(mark);
                self.definite.keep_common(&body, &orelse);
            }
            Stmt::With(s) => {
                // A context manager may suppress an exception and skip the rest of the body.
                let mark = self.definite.mark();
                self.visit_with(&s.items, &s.body);
                self.definite.take_since(mark);
            }
            Stmt::AsyncWith(s) => {
                let mark = self.definite.mark();
                self.visit_with(&s.items, &s.body);
                self.definite.take_since(mark);
            }
            Stmt::Match(s) => {
                self.visit_expr(&s.subject);
                let mark = self.definite.mark();
                for case in &s.cases {
                    self.visit_pattern(&case.pattern);
                    self.visit_opt(case.guard.as_deref());
                    self.visit_body(&case.body);
                    self.definite.take_since(mark);
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
            Stmt::Global(_)
            | Stmt::Nonlocal(_)
            | Stmt::Pass(_)
            | Stmt::Break(_)
            | Stmt::Continue(_) => {}
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
        for decorator in decorators {
            self.visit_expr(decorator);
        }
        let in_class = self.scope() == ScopeKind::Class;
        if in_class {
            self.own_attrs.insert(name.clone());
        }
        self.visit_arguments(args);
        if let Some(returns) = returns {
            self.visit_annotation(returns);
        }
        self.bind(&name, span, Bound::Def, BindKind::Definition);
        let first_param = args
            .posonlyargs
            .iter()
            .chain(&args.args)
            .next()
            .map(|a| normalise(&a.def.arg).into_owned());
        let static_method = decorators
            .iter()
            .any(|d| matches!(d, Expr::Name(n) if normalise(&n.id) == "staticmethod"));
        let class_method = decorators
            .iter()
            .any(|d| matches!(d, Expr::Name(n) if normalise(&n.id) == "classmethod"));
        let method_self = first_param.filter(|_| in_class && !static_method);
        let saved_plain = self.plain_self;
        if in_class {
            self.own_methods.insert(name.clone());
            if let Some((class, plain)) = self.class_stack.last().cloned() {
                if !static_method && !class_method {
                    self.instance_methods.insert((class, name.clone()));
                }
                // `cls` is the class, and `type(cls)` its metaclass: only an instance's
                // `self` counts as an own plain value.
                if method_self.is_some() {
                    self.plain_self =
                        plain && !class_method && (self.self_names.is_empty() || saved_plain);
                }
            }
        }
        let params: Vec<String> = args
            .posonlyargs
            .iter()
            .chain(&args.args)
            .chain(&args.kwonlyargs)
            .map(|a| normalise(&a.def.arg).into_owned())
            .collect();
        let peers = if method_self.is_some() && self.plain_self {
            params.iter().skip(1).cloned().collect()
        } else {
            self.peer_names
                .iter()
                .filter(|p| !params.contains(p))
                .cloned()
                .collect()
        };
        let saved_peers = std::mem::replace(&mut self.peer_names, peers);
        let self_names = self.self_names_for(args, method_self);
        let saved = std::mem::replace(&mut self.self_names, self_names);
        self.enter_scope(ScopeKind::Function);
        self.bind_parameters(args);
        self.visit_body(body);
        self.exit_scope();
        self.self_names = saved;
        self.plain_self = saved_plain;
        self.peer_names = saved_peers;
    }

    fn visit_class(&mut self, s: &ast::StmtClassDef) {
        let name = normalise(&s.name).into_owned();
        let span = self.name_span(s.range(), &name, "class");
        if !s.type_params.is_empty() {
            rules::unsupported::report(self, s.range(), "type parameters");
        }
        for decorator in &s.decorator_list {
            self.visit_expr(decorator);
        }
        for base in &s.bases {
            // `class M(type)` is reported once, as a metaclass (SBX701).
            if !matches!(base, Expr::Name(n) if normalise(&n.id) == "type") {
                self.visit_expr(base);
            }
        }
        rules::class_hooks::check_class_bases(self, &s.bases);
        let own_bases = !s.bases.is_empty()
            && s.bases.iter().all(|b| {
                matches!(b, Expr::Name(n) if self.plain_classes.contains(normalise(&n.id).as_ref()))
            });
        rules::class_hooks::check_class_keywords(self, &s.keywords, own_bases);
        for keyword in &s.keywords {
            self.visit_expr(&keyword.value);
        }
        self.own_classes.insert(name.clone());
        if self.scope() == ScopeKind::Class {
            self.own_attrs.insert(name.clone());
        }
        self.bind(&name, span, Bound::Def, BindKind::Definition);
        let plain = s
            .keywords
            .iter()
            .all(|k| k.arg.as_ref().is_some_and(|a| a.as_str() != "metaclass"))
            && s.bases.iter().all(|b| self.is_plain_base(b));
        if plain {
            self.plain_classes.insert(name.clone());
        }
        self.class_stack.push((name, plain));
        self.enter_scope(ScopeKind::Class);
        self.visit_body(&s.body);
        self.exit_scope();
        self.class_stack.pop();
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
        let mark = self.definite.mark();
        self.visit_body(body);
        for ast::ExceptHandler::ExceptHandler(handler) in handlers {
            if let Some(type_) = &handler.type_ {
                self.visit_except_type(type_);
            }
            if let Some(name) = &handler.name {
                let name = normalise(name).into_owned();
                let span = span_of(handler.range);
                self.bind(&name, span, Bound::Other, BindKind::Data);
            }
            self.visit_body(&handler.body);
        }
        self.visit_body(orelse);
        self.definite.take_since(mark);
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

    /// Annotations are evaluated when their statement runs; string annotations may be evaluated
    /// later (`typing.get_type_hints`), so they are checked as code too.
    fn visit_annotation(&mut self, expr: &Expr) {
        self.check_annotation_strings(expr);
        if !matches!(expr, Expr::Constant(_)) {
            self.visit_expr(expr);
        }
    }

    /// Strings inside an annotation (`"Frame"`, `List["Frame"]`, `"A" | None`) are forward
    /// references that `typing.get_type_hints` (used by `functools.singledispatch`, for one)
    /// evaluates, so each is checked as an expression. `Literal[...]` holds values, not code.
    fn check_annotation_strings(&mut self, expr: &Expr) {
        match expr {
            Expr::Constant(c) => {
                if let Constant::Str(text) = &c.value {
                    // Skip the prefix and opening quote(s) so spans land inside the literal.
                    let start = usize::from(c.range.start());
                    let literal = self
                        .source
                        .get(start..usize::from(c.range.end()))
                        .unwrap_or("");
                    let quote = literal.find(['\'', '"']).unwrap_or(0);
                    let rest = &literal[quote..];
                    let triple = rest.starts_with("\"\"\"") || rest.starts_with("'''");
                    let offset = start + quote + if triple { 3 } else { 1 };
                    check_expression_text(self, text, offset);
                }
            }
            Expr::Subscript(sub) => {
                let literal = matches!(&*sub.value, Expr::Name(n) if n.id.as_str() == "Literal")
                    || matches!(&*sub.value, Expr::Attribute(a) if a.attr.as_str() == "Literal");
                if !literal {
                    self.check_annotation_strings(&sub.slice);
                }
            }
            Expr::Tuple(t) => {
                for elt in &t.elts {
                    self.check_annotation_strings(elt);
                }
            }
            Expr::List(l) => {
                for elt in &l.elts {
                    self.check_annotation_strings(elt);
                }
            }
            Expr::BinOp(b) => {
                self.check_annotation_strings(&b.left);
                self.check_annotation_strings(&b.right);
            }
            _ => {}
        }
    }

    // ----- binding targets -----

    /// `del target`: a name stops being bound; attributes and items are checked as stores.
    fn visit_delete(&mut self, target: &Expr) {
        match target {
            Expr::Name(name) => {
                let id = normalise(&name.id).into_owned();
                let scope = self.scope_ids.last().copied().unwrap_or(0);
                self.non_import.insert(id.clone());
                self.definite.unbind(scope, &id);
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
            Expr::Subscript(sub) => {
                // `names[0] = "..."` changes the list in place.
                if let Expr::Name(n) = &*sub.value {
                    self.touched.insert(normalise(&n.id).into_owned());
                }
                self.visit_expr(target);
            }
            Expr::Attribute(a) => {
                // `self._cache = ...` defines an attribute the code owns.
                if let Expr::Name(base) = &*a.value {
                    if self.is_self_name(&normalise(&base.id)) {
                        self.own_attrs.insert(normalise(&a.attr).into_owned());
                    }
                }
                self.visit_expr(target);
            }
            other => self.visit_expr(other),
        }
    }

    /// `for name in ["a", "b"]` binds `name` to literal strings only, and so does
    /// `for name in METHODS` when `METHODS` is only ever bound to a literal list of strings
    /// (whether it is changed in place is settled after the walk).
    fn visit_loop_target(&mut self, target: &Expr, iter: &Expr) {
        if let (Expr::Name(name), Expr::Name(seq)) = (target, iter) {
            let seq = normalise(&seq.id).into_owned();
            let strings: Option<Vec<String>> = self.bindings.get(&seq).and_then(|bound| {
                let mut all = Vec::new();
                for b in bound {
                    match b {
                        Bound::StrSeq(values) => all.extend(values.iter().cloned()),
                        _ => return None,
                    }
                }
                (!all.is_empty() && self.aliases_of(&seq).is_empty()).then_some(all)
            });
            if let Some(strings) = strings {
                let id = normalise(&name.id).into_owned();
                let span = span_of(name.range);
                for s in strings {
                    self.bind(&id, span, Bound::Str(vec![s]), BindKind::Data);
                }
                self.loop_sources.entry(id).or_default().push(seq);
                return;
            }
        }
        if let Expr::Name(name) = target {
            let callee = match iter {
                Expr::Name(seq) => {
                    self.bindings
                        .get(normalise(&seq.id).as_ref())
                        .and_then(|bound| {
                            let first = match bound.first()? {
                                Bound::SeqOf(c) => c.clone(),
                                _ => return None,
                            };
                            bound
                                .iter()
                                .all(|b| *b == Bound::SeqOf(first.clone()))
                                .then_some(first)
                        })
                }
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
        // `_store = {}` in a class body is an attribute the code defines (`cls._store`).
        if self.scope() == ScopeKind::Class {
            self.own_attrs.insert(name.to_string());
        }
        let scope = self.scope_ids.last().copied().unwrap_or(0);
        if origin != Origin::Import {
            self.non_import.insert(name.to_string());
        }
        // A walrus sits inside an expression that may short-circuit before it runs.
        if origin != Origin::Walrus {
            self.definite.bind(scope, name);
        }
        match self.bindings.get_mut(name) {
            Some(list) => list.push(bound),
            None => {
                self.bindings.insert(name.to_string(), vec![bound]);
            }
        }
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
                for value in &e.values {
                    self.visit_expr(value);
                }
            }
            Expr::NamedExpr(e) => {
                self.visit_expr(&e.value);
                let bound = self.bound_here(&e.value);
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
                let self_names = self.self_names_for(&e.args, None);
                let saved = std::mem::replace(&mut self.self_names, self_names);
                self.enter_scope(ScopeKind::Lambda);
                self.bind_parameters(&e.args);
                self.visit_expr(&e.body);
                self.exit_scope();
                self.self_names = saved;
            }
            Expr::IfExp(e) => {
                self.visit_expr(&e.test);
                self.visit_expr(&e.body);
                self.visit_expr(&e.orelse);
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
            Expr::Constant(_) => {}
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
        self.enter_scope(ScopeKind::Lambda);
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
        self.exit_scope();
    }

    pub(crate) fn visit_name(&mut self, name: &ast::ExprName, use_: NameUse) {
        let id = normalise(&name.id);
        if use_ == NameUse::AttrBase {
            self.touched.insert(id.clone().into_owned());
        }
        self.check_name_load(&id, span_of(name.range), use_);
    }

    fn visit_call(&mut self, original: &ast::ExprCall) {
        // Rules see keywords as CPython binds them: NFKC-normalised names, and the entries of
        // a literal `**{...}` as keywords of their own.
        let expanded = expand_keywords(original);
        let call = expanded.as_ref().unwrap_or(original);
        self.check_call_capabilities(call);
        match &*call.func {
            Expr::Name(name) => {
                let id = normalise(&name.id).into_owned();
                self.check_named_call(&id, call);
                self.visit_name(name, NameUse::Callee);
            }
            func @ Expr::Attribute(attr) => {
                let method = normalise(&attr.attr).into_owned();
                rules::foreign_self::check(self, call);
                if !self.is_frozen_init(call) {
                    self.check_method_call(&method, call);
                    self.visit_attribute_chain_as(func, true);
                }
            }
            other => {
                rules::type_construction::check_call_of_call(self, call);
                self.visit_expr(other);
            }
        }
        rules::deserialization::check_keywords(self, &call.keywords);
        for arg in original
            .args
            .iter()
            .chain(original.keywords.iter().map(|k| &k.value))
        {
            let arg = match arg {
                Expr::Starred(s) => &*s.value,
                other => other,
            };
            if let Expr::Name(n) = arg {
                self.touched.insert(normalise(&n.id).into_owned());
            }
        }
        self.visit_all(&original.args);
        for keyword in &original.keywords {
            self.visit_expr(&keyword.value);
        }
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
            Expr::Attribute(a) => !a.ctx.is_load(),
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

/// The byte span of a node.
pub(crate) fn span_of(range: ast::text_size::TextRange) -> Span {
    Span::new(usize::from(range.start()), usize::from(range.end()))
}

/// `root` extended by the attributes of a chain (outermost first, as [`chain`] gives them).
fn extend_path(
    mut path: String,
    attrs: &[(&ast::Identifier, ast::text_size::TextRange)],
) -> String {
    for (attr, _) in attrs.iter().rev() {
        path.push('.');
        path.push_str(&normalise(attr));
    }
    path
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

fn normalise_dotted(name: &str) -> String {
    name.split('.')
        .map(|part| normalise(part).into_owned())
        .collect::<Vec<_>>()
        .join(".")
}

impl Checker<'_> {
    /// [`bound_of`], plus what only the enclosing method knows: `type(self)(...)` makes
    /// another instance of the method's own class.
    fn bound_here(&self, value: &Expr) -> Bound {
        if let Expr::Call(call) = value {
            if let Expr::Call(inner) = &*call.func {
                let type_of_self = matches!(&*inner.func, Expr::Name(n) if normalise(&n.id) == "type")
                    && inner.keywords.is_empty()
                    && matches!(inner.args.as_slice(), [Expr::Name(n)] if self.is_self_name(&normalise(&n.id)));
                if type_of_self {
                    if let Some((class, _)) = self.class_stack.last() {
                        return Bound::CallOf(class.clone());
                    }
                }
            }
        }
        bound_of(value)
    }
}

/// What an assigned value tells the rules about the name it is bound to.
fn bound_of(value: &Expr) -> Bound {
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
        Expr::Call(call) => match &*call.func {
            Expr::Name(name) => Bound::CallOf(normalise(&name.id).into_owned()),
            // Reductions that only ever return numbers (strings make them raise).
            Expr::Attribute(a) if NUMERIC_REDUCTIONS.contains(&normalise(&a.attr).as_ref()) => {
                Bound::Num
            }
            // `functools.partial(...)`: the dotted callee as written.
            func @ Expr::Attribute(_) => {
                let (base, attrs) = chain(func);
                match base {
                    Expr::Name(n) => {
                        Bound::CallOf(extend_path(normalise(&n.id).into_owned(), &attrs))
                    }
                    _ => Bound::Other,
                }
            }
            _ => Bound::Other,
        },
        Expr::Lambda(_) => Bound::Def,
        Expr::UnaryOp(u) if matches!(&*u.operand, Expr::Constant(c) if matches!(c.value, Constant::Int(_) | Constant::Float(_))) => {
            Bound::Num
        }
        Expr::List(_) | Expr::Tuple(_) | Expr::Set(_) => match literal_strings(value) {
            Some(strings) if !strings.is_empty() => Bound::StrSeq(strings),
            _ => instances_of(value).map_or(Bound::Other, Bound::SeqOf),
        },
        _ => Bound::Other,
    }
}

/// Methods that return numbers only (on strings they raise).
const NUMERIC_REDUCTIONS: &[&str] = &[
    "mean", "median", "std", "var", "quantile", "count", "nunique", "skew", "kurt", "sem", "corr",
    "cov",
];

/// `[Rule(a), Rule(b)]`: a literal sequence of calls of one named callable.
fn instances_of(value: &Expr) -> Option<String> {
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
fn kind_of(value: &Expr) -> BindKind {
    match value {
        Expr::Name(_) | Expr::Attribute(_) | Expr::Lambda(_) => BindKind::Alias,
        _ => BindKind::Data,
    }
}

/// The strings of a literal list, tuple or set of strings.
fn literal_strings(expr: &Expr) -> Option<Vec<String>> {
    let elts = match expr {
        Expr::List(l) => &l.elts,
        Expr::Tuple(t) => &t.elts,
        Expr::Set(s) => &s.elts,
        _ => return None,
    };
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

/// Statement bodies nested in a statement (for the import pre-pass).
pub(crate) fn child_bodies(stmt: &Stmt) -> Vec<&[Stmt]> {
    match stmt {
        Stmt::FunctionDef(s) => vec![&s.body],
        Stmt::AsyncFunctionDef(s) => vec![&s.body],
        Stmt::ClassDef(s) => vec![&s.body],
        Stmt::For(s) => vec![&s.body, &s.orelse],
        Stmt::AsyncFor(s) => vec![&s.body, &s.orelse],
        Stmt::While(s) => vec![&s.body, &s.orelse],
        Stmt::If(s) => vec![&s.body, &s.orelse],
        Stmt::With(s) => vec![&s.body],
        Stmt::AsyncWith(s) => vec![&s.body],
        Stmt::Match(s) => s.cases.iter().map(|c| c.body.as_slice()).collect(),
        Stmt::Try(s) => try_bodies(&s.body, &s.handlers, &s.orelse, &s.finalbody),
        Stmt::TryStar(s) => try_bodies(&s.body, &s.handlers, &s.orelse, &s.finalbody),
        _ => Vec::new(),
    }
}

fn try_bodies<'s>(
    body: &'s [Stmt],
    handlers: &'s [ast::ExceptHandler],
    orelse: &'s [Stmt],
    finalbody: &'s [Stmt],
) -> Vec<&'s [Stmt]> {
    let mut out = vec![body, orelse, finalbody];
    for ast::ExceptHandler::ExceptHandler(h) in handlers {
        out.push(&h.body);
    }
    out
}

/// Checks a string as a Python expression (string annotations), with spans inside the source.
pub(crate) fn check_expression_text(checker: &mut Checker<'_>, text: &str, offset: usize) -> bool {
    let limit = checker.policy.max_nesting_depth;
    if crate::guard::check_depth(text, limit).is_err()
        || text.len() > checker.policy.max_source_bytes
    {
        return false;
    }
    let start = ast::text_size::TextSize::try_from(offset).unwrap_or_default();
    match <Expr as rustpython_parser::Parse>::parse_starts_at(text, "<annotation>", start) {
        Ok(expr) => {
            checker.visit_expr(&expr);
            true
        }
        Err(_) => false,
    }
}
