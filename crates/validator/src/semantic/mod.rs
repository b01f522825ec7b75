//! The semantic model: what each name and expression stands for at the point the walk has
//! reached. Rules ask the model what a node *is* (a module path, a library value, the code's
//! own class or instance, literal strings, unknown) instead of matching spellings, because a
//! spelling proves nothing: `open` may be the code's own variable, and `pd` may be a module in
//! one branch and a DataFrame in another.
//!
//! - **Scopes** ([`ScopeKind`]) nest as the walk enters modules, classes, functions, lambdas and
//!   comprehensions; each gets a fresh id so that flow facts of two functions never mix. Class
//!   bodies do not enclose the functions in them, as in Python.
//! - **Bindings** are recorded in execution order, each with what the value was (a
//!   [`value::Bound`]) and, for the rebinding rule, how it was bound ([`BindKind`]). Imports,
//!   assignments, parameters, loop, `with` and `except` targets, patterns and walruses bind;
//!   annotation-only `x: T` does not and `del` unbinds. What a name may hold is the union over
//!   its bindings in every scope, so a query that needs *all* values to be harmless sees the
//!   worst one. During the walk that is every binding seen so far; checks that need the whole
//!   program (literal strings, private attributes) are settled after the walk.
//! - **Imports** are collected by a pre-pass before the walk, so a name imported anywhere (a
//!   dead branch, an uncalled function) is judged as every module it may be ([`Alias`]); it
//!   definitely is one only when all imports agree and nothing else binds it.
//! - **Flow** ([`flow::Definite`]) says which bindings definitely reach a point. Branches merge
//!   conservatively: only what every branch binds survives an `if`, and loop, `try`, `with`
//!   and `match` bodies may not run at all. It answers "is this builtin definitely shadowed?".
//! - **Own classes**: names, bases and methods of the classes the code defines, the instance
//!   (`self`) and the peer parameters of their methods. A *plain* class has no library class
//!   or metaclass behind it, so its instances hold nothing of a library's.
//! - **Trust in `self`** is granted only where nothing but Python's binding of a method can
//!   have filled it: the method does not rebind it (`rebinding`), no decorator of the
//!   code's own receives the function, and the class is *sealed*: never used as a value,
//!   given to an own class decorator or let out by its classmethods (`escapes`), so every
//!   unbound use `Cls.method` is visible to SBX704. A peer is trusted behind an `isinstance`
//!   check, or when every call of its method passes an own instance.

mod escapes;
pub(crate) mod flow;
mod rebinding;
pub(crate) mod value;

use std::collections::{HashMap, HashSet};

use rustpython_parser::ast::{self, Constant, Expr, Stmt};

use crate::index::{PathVerdict, PolicyIndex};
use crate::names::{self, normalise};
use flow::Definite;
pub(crate) use value::{chain, Alias, Bound, Owner};

/// The kind of a scope the walk is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScopeKind {
    Module,
    Class,
    Function,
    Lambda,
    /// A comprehension or generator expression: its targets are local to it.
    Comprehension,
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

/// Where a binding comes from, for deciding whether a name definitely holds its import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// An import, or `name = module.attr`: the name stands for what the import pre-pass found.
    Import,
    /// `(name := value)`, which may not run.
    Walrus,
    /// Anything else.
    Other,
}

#[derive(Debug, Clone)]
struct Scope {
    kind: ScopeKind,
    /// Unique over the whole walk: flow facts are keyed by it.
    id: usize,
    /// Names its `global` statements declare: bound there, they are module names.
    globals: HashSet<String>,
}

/// What entering a function or lambda replaced, given back when the walk leaves it.
#[must_use]
pub(crate) struct Frame {
    self_names: Vec<String>,
    plain_self: bool,
    class_self: bool,
    /// The peers vouched for by `isinstance` where the function was entered.
    guarded: Vec<String>,
    /// `None` for a lambda, which keeps the enclosing method's peers.
    peer_names: Option<Vec<String>>,
    peer_method: Option<(String, Vec<String>)>,
}

/// Scopes, bindings, flow facts and own classes of one program, as far as the walk has gone.
#[derive(Debug)]
pub(crate) struct SemanticModel {
    /// Every module alias a name may stand for, from imports anywhere in the program.
    aliases: HashMap<String, Vec<Alias>>,
    /// Names bound somewhere other than by an import: such a name is never definitely an
    /// alias, so exemptions that trust an alias do not apply to it.
    non_import: HashSet<String>,
    /// Names the program unbinds somewhere (`del`, the end of `except ... as name`).
    unbound_anywhere: HashSet<String>,
    /// Per name bound to dict literals, the values of all of them when they are literal
    /// strings (`None` when some is not).
    dict_items: HashMap<String, Option<Vec<String>>>,
    /// Names definitely bound at the current point of the walk.
    pub(crate) flow: Definite,
    /// Every value each name is bound to anywhere, in execution order.
    bindings: HashMap<String, Vec<Bound>>,
    /// What each name is assigned by a statement anywhere in the program, from the pre-pass:
    /// a function body is judged where it is defined, so trust in a name (an own class, an
    /// instance of one) must also hold for bindings the walk has not reached yet.
    program_bindings: HashMap<String, Vec<Bound>>,
    /// Attributes the code defines on its own objects (class members, `self.x = ...`).
    own_attrs: HashSet<String>,
    own_classes: HashSet<String>,
    /// Own classes whose bases are all plain (`object`, own plain classes, `ABC`,
    /// `Exception`, ...): their instances hold nothing of a library's.
    plain_classes: HashSet<String>,
    /// Per class body being walked, innermost last: the functions it has defined so far.
    class_body_methods: Vec<HashSet<String>>,
    /// The classes whose bodies are being walked, innermost last, with their plainness.
    class_stack: Vec<(String, bool)>,
    /// Whether the current self names belong to a plain class.
    plain_self: bool,
    /// The other parameters of the enclosing method of an own plain class (those the body
    /// never rebinds).
    peer_names: Vec<String>,
    /// Peers an `isinstance(peer, OwnPlainClass)` check vouches for at this point.
    guarded: Vec<String>,
    /// Whether the current self names stand for a class (a classmethod's `cls`).
    class_self: bool,
    /// Every class statement in the program by name, from the pre-pass: a function written
    /// before a class can still reach its methods.
    class_decls: HashMap<String, Vec<ClassDecl>>,
    /// Names that may hold one of the code's classes: class names and names assigned one.
    class_like: HashSet<String>,
    /// `name = other_name` statements anywhere, from the pre-pass.
    name_assigns: Vec<(String, String)>,
    /// Names of functions defined in some class body that take the instance first.
    self_method_names: HashSet<String>,
    /// Names of every function defined in some class body, from the pre-pass.
    declared_methods: HashSet<String>,
    /// Per name, every class-body function or assignment of that name, from the pre-pass:
    /// for each, the parameters its leading statements check with `isinstance` (raising
    /// otherwise), with the class checked against; `None` when it is not such a plain guard.
    guard_methods: HashMap<String, Vec<(String, Option<Guards>)>>,
    /// First parameters of class methods (`cls`), from the pre-pass.
    class_params: HashSet<String>,
    /// Every call of such a method by name (`x.merge(y)`), for proving what peers hold.
    method_calls: HashMap<String, Vec<CallSite>>,
    /// Such method names read other than as a callee (`f = x.merge`, `getattr(x, "merge")`).
    referenced_methods: HashSet<String>,
    /// The enclosing method that has peers, and its parameter names in order.
    peer_method: Option<(String, Vec<String>)>,
    /// How the program loads names, from the pre-pass: a list held by an escaping name may
    /// have gained any object, a class used as a value may be called unbound by anyone.
    uses: escapes::Uses,
    /// Own classes whose methods may be called with any `self`: the class, or a subclass, is
    /// used as a value (passed, stored, returned), so whoever holds it can call
    /// `k.method(anything)`.
    unsealed: HashSet<String>,
    /// A library class the program uses as a value (`patch(pd.Series)`, `k = type(x)`), as
    /// written for the message: any variable may then hold it.
    library_class_value: Option<String>,
    /// Loop variables bound from a name holding a literal sequence: variable -> sequences,
    /// judged again once the whole program's bindings are known.
    loop_sources: HashMap<String, Vec<String>>,
    /// The scopes being walked, innermost last.
    scopes: Vec<Scope>,
    next_scope_id: usize,
    /// Names that stand for the instance or class here: the first parameter of the enclosing
    /// method, unless a nested function or lambda shadows it.
    self_names: Vec<String>,
}

impl Default for SemanticModel {
    /// The model before the walk: only the module scope, no imports collected yet.
    fn default() -> Self {
        SemanticModel {
            aliases: HashMap::new(),
            non_import: HashSet::new(),
            unbound_anywhere: HashSet::new(),
            dict_items: HashMap::new(),
            flow: Definite::default(),
            bindings: HashMap::new(),
            program_bindings: HashMap::new(),
            own_attrs: HashSet::new(),
            own_classes: HashSet::new(),
            plain_classes: HashSet::new(),
            class_body_methods: Vec::new(),
            loop_sources: HashMap::new(),
            class_stack: Vec::new(),
            plain_self: false,
            peer_names: Vec::new(),
            guarded: Vec::new(),
            class_self: false,
            class_decls: HashMap::new(),
            class_like: HashSet::new(),
            name_assigns: Vec::new(),
            self_method_names: HashSet::new(),
            declared_methods: HashSet::new(),
            guard_methods: HashMap::new(),
            class_params: HashSet::new(),
            method_calls: HashMap::new(),
            referenced_methods: HashSet::new(),
            peer_method: None,
            uses: escapes::Uses::default(),
            unsealed: HashSet::new(),
            library_class_value: None,
            scopes: vec![Scope {
                kind: ScopeKind::Module,
                id: 0,
                globals: HashSet::new(),
            }],
            next_scope_id: 1,
            self_names: Vec::new(),
        }
    }
}

impl SemanticModel {
    // ----- scopes -----

    pub(crate) fn scope(&self) -> ScopeKind {
        self.scopes.last().map_or(ScopeKind::Module, |s| s.kind)
    }

    fn scope_id(&self) -> usize {
        self.scopes.last().map_or(0, |s| s.id)
    }

    pub(crate) fn enter_scope(&mut self, kind: ScopeKind) {
        self.scopes.push(Scope {
            kind,
            id: self.next_scope_id,
            globals: HashSet::new(),
        });
        self.next_scope_id += 1;
    }

    /// `global name` in the current scope.
    pub(crate) fn declare_global(&mut self, name: &str) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.globals.insert(name.to_string());
        }
    }

    /// The kind of scope a binding of `name` here lands in: the module's for a name the
    /// current scope declares `global`.
    pub(crate) fn binding_scope(&self, name: &str) -> ScopeKind {
        match self.scopes.last() {
            Some(scope) if scope.globals.contains(name) => ScopeKind::Module,
            _ => self.scope(),
        }
    }

    pub(crate) fn exit_scope(&mut self) {
        self.scopes.pop();
    }

    /// Whether a binding of `name` by the code definitely reaches this point: in the current
    /// scope, or in an enclosing function or module scope by the time the current function was
    /// defined (class bodies do not enclose). Bindings that may not have run (a branch, a loop
    /// body, `try`, `with`, annotation-only `x: T`, after `del`) do not count.
    pub(crate) fn definitely_shadowed(&self, name: &str) -> bool {
        // A name the program unbinds anywhere (`del`, the end of `except ... as name`) may be
        // unbound by the time code that runs later (a function, a lambda, a generator, a
        // loop's next pass) reaches this point, whatever the walk saw above it.
        if self.unbound_anywhere.contains(name) {
            return false;
        }
        let last = self.scopes.len().saturating_sub(1);
        self.scopes
            .iter()
            .enumerate()
            .filter(|(i, scope)| *i == last || scope.kind != ScopeKind::Class)
            .any(|(_, scope)| self.flow.is_bound(scope.id, name))
    }

    // ----- bindings -----

    /// Records that `name` is bound here to `bound`.
    pub(crate) fn bind(&mut self, name: &str, bound: Bound, origin: Origin) {
        // `_store = {}` in a class body is an attribute the code defines (`cls._store`).
        if self.scope() == ScopeKind::Class {
            self.own_attrs.insert(name.to_string());
        }
        // `[... for self in xs]`: the comprehension's own `self` is not the method's (the
        // walk restores the names when it leaves the comprehension).
        if self.scope() == ScopeKind::Comprehension {
            self.self_names.retain(|n| n != name);
        }
        if origin != Origin::Import {
            self.non_import.insert(name.to_string());
        }
        // A walrus sits inside an expression that may short-circuit before it runs.
        if origin != Origin::Walrus {
            self.flow.bind(self.scope_id(), name);
        }
        match self.bindings.get_mut(name) {
            Some(list) => list.push(bound),
            None => {
                self.bindings.insert(name.to_string(), vec![bound]);
            }
        }
    }

    /// `del name`: from here on the name is not bound, and it is no longer only an import.
    pub(crate) fn unbind(&mut self, name: &str) {
        self.non_import.insert(name.to_string());
        self.unbound_anywhere.insert(name.to_string());
        self.flow.unbind(self.scope_id(), name);
    }

    /// Starts a walk knowing every binding an earlier walk of the same program found, so
    /// that a name is judged on bindings the walk has not reached yet.
    pub(crate) fn seed_bindings(&mut self, earlier: SemanticModel) {
        self.bindings = earlier.bindings;
        self.non_import = earlier.non_import;
        self.unbound_anywhere = earlier.unbound_anywhere;
    }

    /// Every value `name` is bound to anywhere in the program (once seeded; before, so far),
    /// if it is bound at all.
    pub(crate) fn bindings_of(&self, name: &str) -> Option<&[Bound]> {
        self.bindings.get(name).map(Vec::as_slice)
    }

    /// Whether the code binds `name` anywhere (once seeded; before, so far).
    pub(crate) fn is_bound_anywhere(&self, name: &str) -> bool {
        self.bindings.contains_key(name)
    }

    /// Whether the code neither imports nor binds `name` anywhere: it is still the builtin.
    pub(crate) fn is_untouched_builtin(&self, name: &str) -> bool {
        self.aliases_of(name).is_empty() && !self.non_import.contains(name)
    }

    /// The literal strings a name holds, when every binding of it is one (a loop over a
    /// sequence is bound to its strings only while nothing can change the sequence, see
    /// [`Self::loop_strings`]).
    pub(crate) fn literal_strings_of(&self, name: &str) -> Option<Vec<String>> {
        // A sequence rebound after the loop was walked (`X = ...` further down, `global X`
        // in another function) holds more than the strings the loop was bound to: all of
        // them, or something else.
        let mut all = Vec::new();
        for seq in self.loop_sources.get(name).into_iter().flatten() {
            all.extend(self.loop_strings(seq)?);
        }
        for b in self.bindings.get(name)? {
            match b {
                Bound::Str(strings) => all.extend(strings.iter().cloned()),
                _ => return None,
            }
        }
        Some(all)
    }

    /// The strings of `for name in seq` when `seq` is only ever bound to literal sequences of
    /// strings and no import, and is never loaded but to be iterated over, read an item of or
    /// tested for membership (see [`escapes`]), so nothing can change it.
    /// `for name in seq` bound `name` to the strings of `seq`: see [`Self::literal_strings_of`].
    pub(crate) fn note_loop_source(&mut self, name: &str, seq: &str) {
        self.loop_sources
            .entry(name.to_string())
            .or_default()
            .push(seq.to_string());
    }

    /// `NAME = {...}` binds a dict whose values an item read gives: its literal strings, or
    /// `None` when some value is not one.
    pub(crate) fn note_dict_items(&mut self, target: &Expr, value: &Expr) {
        let (Expr::Name(name), Expr::Dict(dict)) = (target, value) else {
            return;
        };
        let values = value::strings_of(&dict.values);
        let entry = self
            .dict_items
            .entry(normalise(&name.id).into_owned())
            .or_insert_with(|| Some(Vec::new()));
        match (entry.as_mut(), values) {
            (Some(all), Some(values)) => all.extend(values),
            _ => *entry = None,
        }
    }

    /// What an item read of `seq` (`SCREENS[name]`) may give, when `seq` is only ever a
    /// literal list of strings or a literal dict with string keys and values, and nothing
    /// can have changed it ([`Self::loop_strings`]): all those strings.
    pub(crate) fn item_strings(&self, seq: &str) -> Option<Vec<String>> {
        let mut all = self.loop_strings(seq)?;
        if let Some(values) = self.dict_items.get(seq) {
            all.extend(values.as_ref()?.iter().cloned());
        }
        Some(all)
    }

    pub(crate) fn loop_strings(&self, seq: &str) -> Option<Vec<String>> {
        let mut all = Vec::new();
        for b in self.bindings.get(seq)? {
            match b {
                Bound::StrSeq(values) => all.extend(values.iter().cloned()),
                _ => return None,
            }
        }
        // A list the program hands anywhere but a loop or an item read (a container, an
        // argument, a default, an alias, a method) may be rewritten in place from there.
        // A list bound in a class body is also reached as an attribute (`Route.X[:] = ...`).
        if all.is_empty()
            || !self.aliases_of(seq).is_empty()
            || self.uses.escaping.contains(seq)
            || self.uses.attribute_names.contains(seq)
        {
            return None;
        }
        Some(all)
    }

    /// The one callable every element of `seq` was made by, when `seq` is only ever bound to
    /// literal sequences of its calls (`for rule in RULES` with `RULES = [Rule(1), ...]`)
    /// and nothing can have changed it (see [`escapes`]).
    pub(crate) fn loop_instances(&self, seq: &str) -> Option<String> {
        if self.uses.escaping.contains(seq) {
            return None;
        }
        let bound = self.bindings.get(seq)?;
        let first = match bound.first()? {
            Bound::SeqOf(c) => c,
            _ => return None,
        };
        bound
            .iter()
            .all(|b| matches!(b, Bound::SeqOf(c) if c == first))
            .then(|| first.clone())
    }

    // ----- imports -----

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

    /// Full dotted path of a name or attribute chain rooted at a name that definitely stands
    /// for an import (`np.linalg.inv` -> `numpy.linalg.inv`).
    pub(crate) fn resolve_path(&self, expr: &Expr) -> Option<String> {
        let (base, attrs) = chain(expr);
        let Expr::Name(name) = base else {
            return None;
        };
        let root = self.alias(&normalise(&name.id))?.path().to_string();
        Some(value::extend_path(root, &attrs))
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
            .map(|alias| value::extend_path(alias.path().to_string(), &attrs))
            .collect()
    }

    /// The pre-pass: what imported names stand for, independent of order.
    pub(crate) fn collect_aliases(&mut self, body: &[Stmt], index: &PolicyIndex<'_>) {
        self.collect_escapes(body);
        let mut assigns = Vec::new();
        self.collect_imports(body, index, &mut assigns, false);
        self.find_unsealed();
        // `K = Report` makes `K` the class too, whatever order the statements come in.
        self.class_like = self.class_decls.keys().cloned().collect();
        loop {
            let before = self.class_like.len();
            for (name, value) in &self.name_assigns {
                if self.class_like.contains(value) {
                    self.class_like.insert(name.clone());
                }
            }
            if self.class_like.len() == before {
                break;
            }
        }
        // Simple aliases of module paths (`DF = pd.DataFrame`), resolved after all imports.
        for _ in 0..2 {
            for (name, value) in &assigns {
                for path in self.resolve_paths(value) {
                    self.add_alias(name.clone(), Alias::Value(path));
                }
            }
        }
        self.library_class_value = self.find_library_class_value();
    }

    /// The first library class the program uses as a value, if any. Classes are told from
    /// functions by their names ([`names::is_class_path`]); a call that yields a class counts
    /// whatever it is called on.
    fn find_library_class_value(&self) -> Option<String> {
        if self.uses.class_values {
            return Some("the class of an object (`type(x)`, `mro()`)".into());
        }
        if !self
            .uses
            .dtype_names
            .is_disjoint(&self.uses.type_read_names)
        {
            return Some("the class of a dtype (`dtype.type`)".into());
        }
        if self.uses.mentioned.contains("registry") && self.uses_singledispatch() {
            return Some("the classes of a `singledispatch` registry".into());
        }
        if let Some(path) = self.annotation_class_reader() {
            return Some(format!("the classes of annotations (through `{path}`)"));
        }
        let by_attribute = self
            .uses
            .class_name_values
            .iter()
            .flat_map(|expr| self.resolve_paths(expr));
        let mut by_name: Vec<String> = self
            .uses
            .values
            .iter()
            .flat_map(|name| self.aliases_of(name))
            .filter_map(|alias| match alias {
                Alias::Value(path) => Some(path.clone()),
                Alias::Module(_) => None,
            })
            .collect();
        // Sets iterate in no fixed order: the message names the same class every time.
        by_name.sort();
        by_attribute
            .chain(by_name)
            .find(|path| names::is_class_path(path))
            .map(|path| format!("`{path}`"))
    }

    /// A library class the program uses as a value, described for a message: with one, any
    /// variable the code does not own may hold a library class.
    /// Whether the program may make a `singledispatch` function (whose `registry` maps
    /// classes to functions): it imports `singledispatch` or `singledispatchmethod`, or
    /// writes either name as an attribute or a string.
    fn uses_singledispatch(&self) -> bool {
        escapes::SINGLEDISPATCH
            .iter()
            .any(|name| self.may_reach_library_function("functools", name))
    }

    /// Whether the program may reach `module.name`: a from-import of it, or the module
    /// imported and `name` written as an attribute or a string anywhere (`ft.name`,
    /// `getattr(ft, "name")`, `map(dataclasses.fields, ...)`).
    fn may_reach_library_function(&self, module: &str, name: &str) -> bool {
        let path = format!("{module}.{name}");
        self.aliases.values().flatten().any(|alias| match alias {
            Alias::Value(p) => *p == path,
            Alias::Module(m) => m == module && self.uses.mentioned.contains(name),
        })
    }

    /// The library function through which the program may read classes out of annotations
    /// (`dataclasses.fields(A)[0].type`), if it may: `fields` reachable in any way and an
    /// attribute `type` named in any way.
    pub(crate) fn annotation_class_reader(&self) -> Option<String> {
        escapes::CLASS_YIELDING_FUNCTIONS
            .iter()
            .find(|path| {
                let (module, name) = path.rsplit_once('.').unwrap_or(("", path));
                self.uses.mentioned.contains("type")
                    && self.may_reach_library_function(module, name)
            })
            .map(|path| path.to_string())
    }

    pub(crate) fn library_class_value(&self) -> Option<&str> {
        self.library_class_value.as_deref()
    }

    /// Every statement's escaping names, before anything asks about loops over sequences.
    fn collect_escapes(&mut self, body: &[Stmt]) {
        for stmt in body {
            escapes::record_uses(stmt, &mut self.uses);
            for child in child_bodies(stmt) {
                self.collect_escapes(child);
            }
        }
    }

    /// `nested`: inside a function or class body, whose imports bind names of that scope
    /// only, so the name is never definitely that import elsewhere.
    fn collect_imports<'s>(
        &mut self,
        body: &'s [Stmt],
        index: &PolicyIndex<'_>,
        assigns: &mut Vec<(String, &'s Expr)>,
        nested: bool,
    ) {
        for stmt in body {
            self.record_program_bindings(stmt);
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
                        let kind = if index.import_allowed(&full)
                            || index.check_path(&segments) == PathVerdict::Namespace
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
                self.collect_imports(child, index, assigns, inner);
            }
        }
    }

    /// The statement's own bindings (not those in its bodies) into `program_bindings`.
    fn record_program_bindings(&mut self, stmt: &Stmt) {
        let mut found: Vec<(&str, Bound)> = Vec::new();
        let mut targets: Vec<&Expr> = Vec::new();
        match stmt {
            Stmt::FunctionDef(s) => found.push((&s.name, Bound::Def)),
            Stmt::AsyncFunctionDef(s) => found.push((&s.name, Bound::Def)),
            Stmt::ClassDef(s) => {
                found.push((&s.name, Bound::Def));
                self.record_class(s);
            }
            Stmt::Assign(s) => {
                for target in &s.targets {
                    if let (Expr::Name(t), Expr::Name(v)) = (target, &*s.value) {
                        self.name_assigns
                            .push((normalise(&t.id).into_owned(), normalise(&v.id).into_owned()));
                    }
                    match target {
                        // `type(self)(...)` is judged by the walk, which knows `self`.
                        Expr::Name(_) if self.is_call_of_class_param(&s.value) => {}
                        Expr::Name(n) => found.push((&n.id, value::bound_of(&s.value))),
                        other => targets.push(other),
                    }
                }
            }
            Stmt::AnnAssign(s) => match (&*s.target, &s.value) {
                (Expr::Name(_), Some(value)) if self.is_call_of_class_param(value) => {}
                (Expr::Name(n), Some(value)) => found.push((&n.id, value::bound_of(value))),
                (_, None) => {}
                (other, Some(_)) => targets.push(other),
            },
            Stmt::AugAssign(s) => targets.push(&s.target),
            Stmt::For(ast::StmtFor { target, iter, .. })
            | Stmt::AsyncFor(ast::StmtAsyncFor { target, iter, .. }) => match &**target {
                Expr::Name(n) => found.push((&n.id, self.loop_bound(iter))),
                other => targets.push(other),
            },
            Stmt::With(s) => {
                targets.extend(s.items.iter().filter_map(|i| i.optional_vars.as_deref()))
            }
            Stmt::AsyncWith(s) => {
                targets.extend(s.items.iter().filter_map(|i| i.optional_vars.as_deref()))
            }
            _ => {}
        }
        let mut names = Vec::new();
        for target in targets {
            target_names(target, &mut names);
        }
        found.extend(names.into_iter().map(|name| (name, Bound::Other)));
        for (name, bound) in found {
            self.program_bindings
                .entry(normalise(name).into_owned())
                .or_default()
                .push(bound);
        }
    }

    /// `type(x)(...)` or `cls(...)` with `cls` the first parameter of some classmethod: the
    /// walk, which knows whether `x` or `cls` is trusted, judges what it makes.
    fn is_call_of_class_param(&self, value: &Expr) -> bool {
        is_call_of_type_of(value)
            || matches!(value, Expr::Call(call) if matches!(&*call.func,
                Expr::Name(n) if self.class_params.contains(normalise(&n.id).as_ref())))
    }

    /// The classes used as values, and every class they inherit methods from.
    fn find_unsealed(&mut self) {
        let mut pending: Vec<String> = self
            .class_decls
            .iter()
            .filter(|(name, decls)| {
                self.uses.values.contains(*name)
                    || decls.iter().any(|d| {
                        d.class_escapes
                            || d.decorators
                                .iter()
                                .any(|n| !self.is_vetted_class_decorator(n))
                    })
            })
            .map(|(name, _)| name.clone())
            .collect();
        while let Some(class) = pending.pop() {
            if !self.unsealed.insert(class.clone()) {
                continue;
            }
            if let Some(decls) = self.class_decls.get(&class) {
                pending.extend(decls.iter().flat_map(|d| d.bases.iter().cloned()));
            }
        }
    }

    /// A class decorator gets the class: only the standard library's that never call its
    /// methods keep it sealed, and only while the code defines nothing by that name.
    fn is_vetted_class_decorator(&self, name: &Option<String>) -> bool {
        name.as_deref().is_some_and(|n| {
            VETTED_CLASS_DECORATORS.contains(&n) && !self.program_bindings.contains_key(n)
        })
    }

    /// Whether the methods of own class `class` may be called with any `self`.
    pub(crate) fn is_unsealed(&self, class: &str) -> bool {
        self.unsealed.contains(class)
    }

    /// A class statement's bases and methods, for [`Self::is_self_method`].
    fn record_class(&mut self, class: &ast::StmtClassDef) {
        let mut decl = ClassDecl {
            bases: class
                .bases
                .iter()
                .filter_map(|b| match b {
                    Expr::Name(n) => Some(normalise(&n.id).into_owned()),
                    _ => None,
                })
                .collect(),
            only_named_bases: class.keywords.is_empty()
                && class.bases.iter().all(|b| matches!(b, Expr::Name(_))),
            decorators: class
                .decorator_list
                .iter()
                .map(|d| {
                    let target = match d {
                        Expr::Call(call) => &*call.func,
                        other => other,
                    };
                    match target {
                        Expr::Name(n) => Some(normalise(&n.id).into_owned()),
                        Expr::Attribute(a) => Some(normalise(&a.attr).into_owned()),
                        _ => None,
                    }
                })
                .collect(),
            ..ClassDecl::default()
        };
        let class_name = normalise(&class.name).into_owned();
        for stmt in &class.body {
            for name in class_body_names(stmt) {
                let guards = match stmt {
                    Stmt::FunctionDef(f) if f.decorator_list.is_empty() => guarded_params(f),
                    _ => None,
                };
                self.guard_methods
                    .entry(name)
                    .or_default()
                    .push((class_name.clone(), guards));
            }
            let (name, decorators) = match stmt {
                Stmt::FunctionDef(f) => (&f.name, &f.decorator_list),
                Stmt::AsyncFunctionDef(f) => (&f.name, &f.decorator_list),
                _ => continue,
            };
            let name = normalise(name).into_owned();
            // Implicit static and class methods never take an instance.
            let implicit = matches!(
                name.as_str(),
                "__new__" | "__init_subclass__" | "__class_getitem__"
            );
            let bound_to_class = decorators.iter().any(|d| {
                matches!(d, Expr::Name(n) if matches!(normalise(&n.id).as_ref(), "staticmethod" | "classmethod"))
            });
            let takes_class = matches!(name.as_str(), "__init_subclass__" | "__class_getitem__")
                || decorators
                    .iter()
                    .any(|d| matches!(d, Expr::Name(n) if normalise(&n.id) == "classmethod"));
            // `return cls`, `registry[k] = cls`, `f(type(self))`: the class (or a subclass)
            // leaves. Static methods take no class or instance first.
            let (args, body) = match stmt {
                Stmt::FunctionDef(f) => (&f.args, &f.body),
                Stmt::AsyncFunctionDef(f) => (&f.args, &f.body),
                _ => continue,
            };
            let static_method = bound_to_class && !takes_class;
            if let (Some(first), false) = (first_param_name(args), static_method) {
                let mut uses = escapes::Uses::default();
                record_all_uses(body, &mut uses);
                decl.class_escapes |= uses.class_of_values.contains(&first);
                if takes_class {
                    decl.class_escapes |= uses.values.contains(&first);
                    self.class_params.insert(first);
                }
            }
            if implicit || bound_to_class {
                self.declared_methods.insert(name.clone());
                decl.other_methods.insert(name);
            } else {
                self.self_method_names.insert(name.clone());
                self.declared_methods.insert(name.clone());
                decl.self_methods.insert(name);
            }
        }
        // `__str__ = __repr__`: the alias is the same method, judged as the method is.
        for stmt in &class.body {
            let Stmt::Assign(a) = stmt else { continue };
            let ([Expr::Name(alias)], Expr::Name(method)) = (a.targets.as_slice(), &*a.value)
            else {
                continue;
            };
            let (alias, method) = (normalise(&alias.id).into_owned(), normalise(&method.id));
            if decl.self_methods.contains(method.as_ref()) {
                self.self_method_names.insert(alias.clone());
                self.declared_methods.insert(alias.clone());
                decl.self_methods.insert(alias);
            } else if decl.other_methods.contains(method.as_ref()) {
                self.declared_methods.insert(alias.clone());
                decl.other_methods.insert(alias);
            }
        }
        self.class_decls
            .entry(normalise(&class.name).into_owned())
            .or_default()
            .push(decl);
    }

    /// What a loop variable holds over `iter`: an instance of one callable when `iter` is a
    /// literal sequence of its calls, or a name every statement binds to one (`for r in rules`).
    fn loop_bound(&self, iter: &Expr) -> Bound {
        let callee = match iter {
            Expr::Name(n) if self.uses.escaping.contains(normalise(&n.id).as_ref()) => None,
            Expr::Name(n) => match self
                .program_bindings
                .get(normalise(&n.id).as_ref())
                .map(Vec::as_slice)
            {
                Some([Bound::SeqOf(c), rest @ ..])
                    if rest.iter().all(|b| matches!(b, Bound::SeqOf(d) if d == c)) =>
                {
                    Some(c.clone())
                }
                _ => None,
            },
            other => value::instances_of(other),
        };
        callee.map_or(Bound::Other, Bound::CallOf)
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

    // ----- own classes, functions and instances -----

    /// `class name`: recorded before its bases and body are judged, so the class can refer
    /// to itself.
    pub(crate) fn define_class(&mut self, name: &str) {
        self.own_classes.insert(name.to_string());
    }

    /// Whether `class` has no library class or metaclass behind it.
    pub(crate) fn is_plain_class_def(&self, class: &ast::StmtClassDef) -> bool {
        class
            .keywords
            .iter()
            .all(|k| k.arg.as_ref().is_some_and(|a| a.as_str() != "metaclass"))
            && class.bases.iter().all(|b| self.is_plain_base(b))
    }

    /// A base that keeps a class plain: no library class, no metaclass behind it.
    fn is_plain_base(&self, base: &Expr) -> bool {
        let (root, attrs) = chain(base);
        let Expr::Name(n) = root else {
            return false;
        };
        let id = normalise(&n.id);
        if attrs.is_empty()
            && (self.plain_classes.contains(id.as_ref())
                || matches!(
                    id.as_ref(),
                    "object" | "Exception" | "ValueError" | "KeyError"
                ))
        {
            return true;
        }
        matches!(
            self.resolve_path(base).as_deref(),
            Some("abc.ABC" | "enum.Enum" | "enum.IntEnum" | "typing.NamedTuple")
        )
    }

    /// The walk enters the body of class `name`.
    pub(crate) fn enter_class(&mut self, name: String, plain: bool) {
        if plain {
            self.plain_classes.insert(name.clone());
        }
        self.class_stack.push((name, plain));
        self.class_body_methods.push(HashSet::new());
        self.enter_scope(ScopeKind::Class);
    }

    pub(crate) fn exit_class(&mut self) {
        self.exit_scope();
        self.class_stack.pop();
        self.class_body_methods.pop();
    }

    /// The walk enters the body of function `name` (after its defaults, annotations and
    /// decorators, which run outside it): a method's first parameter becomes the instance
    /// or class, its other parameters peers when the class is plain.
    ///
    /// The first parameter is trusted only when nothing but Python's binding of a method
    /// can have put a value there: the body never rebinds it, and no decorator of the code's
    /// own receives the function (it could call it with any first argument).
    pub(crate) fn enter_function(
        &mut self,
        name: &str,
        args: &ast::Arguments,
        decorators: &[Expr],
        body: &[Stmt],
    ) -> Frame {
        let in_class = self.scope() == ScopeKind::Class;
        let first_param = args
            .posonlyargs
            .iter()
            .chain(&args.args)
            .next()
            .map(|a| normalise(&a.def.arg).into_owned());
        let decorated = |which: &str| {
            decorators
                .iter()
                .any(|d| matches!(d, Expr::Name(n) if normalise(&n.id) == which))
        };
        let static_method = decorated("staticmethod");
        let class_method =
            decorated("classmethod") || matches!(name, "__init_subclass__" | "__class_getitem__");
        let sealed_class = self
            .class_stack
            .last()
            .is_some_and(|(class, _)| !self.is_unsealed(class));
        // A nested function's own binding of the method's `self` shadows it there.
        let rebound = rebinding::rebound_names(body);
        let sealed = decorators.iter().all(|d| self.is_vetted_decorator(d));
        let method_self = first_param.filter(|p| {
            in_class && sealed_class && !static_method && sealed && !rebound.contains(p)
        });
        let saved_plain = self.plain_self;
        let saved_class_self = self.class_self;
        if in_class {
            if !static_method && !class_method {
                if let Some(methods) = self.class_body_methods.last_mut() {
                    methods.insert(name.to_string());
                }
            }
            if let Some((_, plain)) = self.class_stack.last().cloned() {
                // `cls` is the class, and `type(cls)` its metaclass: only an instance's
                // `self` counts as an own plain value.
                if method_self.is_some() {
                    self.plain_self =
                        plain && !class_method && (self.self_names.is_empty() || saved_plain);
                    self.class_self = class_method;
                }
            }
        }
        let params = param_names(args, false);
        let peers = if method_self.is_some() && self.plain_self {
            params
                .iter()
                .skip(1)
                .filter(|p| !rebound.contains(*p))
                .cloned()
                .collect()
        } else {
            self.peer_names
                .iter()
                .filter(|p| !params.contains(p))
                .cloned()
                .collect()
        };
        let saved_peers = std::mem::replace(&mut self.peer_names, peers);
        let peer_method = if method_self.is_some() && self.plain_self {
            Some((name.to_string(), params.clone()))
        } else {
            self.peer_method.clone()
        };
        let saved_peer_method = std::mem::replace(&mut self.peer_method, peer_method);
        // A new method's checks start afresh; a nested function keeps its method's.
        let guarded = if method_self.is_some() {
            Vec::new()
        } else {
            self.guarded
                .iter()
                .filter(|p| !params.contains(p))
                .cloned()
                .collect()
        };
        let saved_guarded = std::mem::replace(&mut self.guarded, guarded);
        let mut self_names = self.self_names_for(args, method_self);
        self_names.retain(|n| !rebound.contains(n));
        let saved_self = std::mem::replace(&mut self.self_names, self_names);
        self.enter_scope(ScopeKind::Function);
        Frame {
            self_names: saved_self,
            plain_self: saved_plain,
            class_self: saved_class_self,
            guarded: saved_guarded,
            peer_names: Some(saved_peers),
            peer_method: saved_peer_method,
        }
    }

    /// A decorator that gets a method's function without being able to call it with a
    /// foreign first argument: the builtins that make properties, static and class methods,
    /// `functools`' caches, `abc.abstractmethod`, `typing`'s markers, and `prop.setter`
    /// (and `getter`, `deleter`) of a property the class body defined.
    fn is_vetted_decorator(&self, decorator: &Expr) -> bool {
        let target = match decorator {
            Expr::Call(call) => &*call.func,
            other => other,
        };
        if let Expr::Name(n) = target {
            let id = normalise(&n.id);
            if matches!(id.as_ref(), "property" | "staticmethod" | "classmethod")
                && self.is_untouched_builtin(&id)
            {
                return true;
            }
        }
        if let Expr::Attribute(a) = target {
            let accessor = matches!(normalise(&a.attr).as_ref(), "setter" | "getter" | "deleter");
            let own_property = matches!(&*a.value, Expr::Name(n)
                if self.class_body_methods.last().is_some_and(|m| m.contains(normalise(&n.id).as_ref())));
            if accessor && own_property {
                return true;
            }
        }
        matches!(
            self.resolve_path(target).as_deref(),
            Some(
                "functools.cache"
                    | "functools.lru_cache"
                    | "functools.cached_property"
                    | "abc.abstractmethod"
                    | "typing.overload"
                    | "typing.override"
                    | "typing.final"
            )
        )
    }

    /// The walk enters a lambda's body: its parameters shadow the instance's names.
    pub(crate) fn enter_lambda(&mut self, args: &ast::Arguments) -> Frame {
        let self_names = self.self_names_for(args, None);
        let saved_self = std::mem::replace(&mut self.self_names, self_names);
        let params = param_names(args, true);
        let guarded = self
            .guarded
            .iter()
            .filter(|p| !params.contains(p))
            .cloned()
            .collect();
        let saved_guarded = std::mem::replace(&mut self.guarded, guarded);
        self.enter_scope(ScopeKind::Lambda);
        Frame {
            self_names: saved_self,
            plain_self: self.plain_self,
            class_self: self.class_self,
            guarded: saved_guarded,
            peer_names: None,
            peer_method: self.peer_method.clone(),
        }
    }

    /// The walk leaves the function or lambda `frame` was made for.
    pub(crate) fn exit_function(&mut self, frame: Frame) {
        self.exit_scope();
        self.self_names = frame.self_names;
        self.plain_self = frame.plain_self;
        self.class_self = frame.class_self;
        self.guarded = frame.guarded;
        if let Some(peers) = frame.peer_names {
            self.peer_names = peers;
        }
        self.peer_method = frame.peer_method;
    }

    /// Self names inside a new function or lambda: inherited ones its parameters do not
    /// shadow, plus `method_self` (a method's first parameter).
    fn self_names_for(&self, args: &ast::Arguments, method_self: Option<String>) -> Vec<String> {
        let params = param_names(args, true);
        let mut names: Vec<String> = self
            .self_names
            .iter()
            .filter(|n| !params.contains(n))
            .cloned()
            .collect();
        names.extend(method_self);
        names
    }

    /// An attribute the code defines on its own objects (`self._cache = ...`).
    pub(crate) fn define_attr(&mut self, attr: &str) {
        self.own_attrs.insert(attr.to_string());
    }

    pub(crate) fn is_own_attr(&self, attr: &str) -> bool {
        self.own_attrs.contains(attr)
    }

    pub(crate) fn is_own_class(&self, name: &str) -> bool {
        self.own_classes.contains(name)
    }

    pub(crate) fn is_plain_class(&self, name: &str) -> bool {
        self.plain_classes.contains(name)
    }

    /// Whether a function called `name` is defined in some class body, anywhere in the
    /// program.
    pub(crate) fn is_own_method(&self, name: &str) -> bool {
        self.declared_methods.contains(name)
    }

    /// The self names here, to give back to [`Self::restore_self_names`] after a
    /// comprehension whose targets may shadow them.
    pub(crate) fn self_names_snapshot(&self) -> Vec<String> {
        self.self_names.clone()
    }

    pub(crate) fn restore_self_names(&mut self, names: Vec<String>) {
        self.self_names = names;
    }

    /// Whether `name` stands for the instance or class of the enclosing method.
    pub(crate) fn is_self_name(&self, name: &str) -> bool {
        self.self_names.iter().any(|s| s == name)
    }

    /// Whether the self names stand for a class (a classmethod's `cls`), not an instance.
    pub(crate) fn is_class_self(&self) -> bool {
        self.class_self
    }

    /// Whether `name` is the instance of an own plain class.
    pub(crate) fn is_plain_self(&self, name: &str) -> bool {
        self.is_self_name(name) && self.plain_self
    }

    /// Whether `name` is one of the code's own classes (plain ones only when `plain`) and
    /// nothing else: no import or assignment has bound the name to another value. A class
    /// name is trusted only while it still holds the class (`class Report: ...` then
    /// `Report = pd.DataFrame(...)` makes `Report` a library value).
    pub(crate) fn is_only_own_class(&self, name: &str, plain: bool) -> bool {
        let classes = if plain {
            &self.plain_classes
        } else {
            &self.own_classes
        };
        classes.contains(name)
            && self.aliases_of(name).is_empty()
            && self
                .bindings
                .get(name)
                .is_some_and(|bound| bound.iter().all(|b| *b == Bound::Def))
            && self.program_bindings_all(name, |b| *b == Bound::Def)
    }

    /// Whether every statement binding `name` anywhere in the program satisfies `holds`.
    fn program_bindings_all(&self, name: &str, holds: impl Fn(&Bound) -> bool) -> bool {
        self.program_bindings
            .get(name)
            .is_none_or(|bound| bound.iter().all(holds))
    }

    /// Whether every binding of `name` is an instance of an own class (plain ones only when
    /// `plain`) that the class's name still holds.
    pub(crate) fn holds_own_instance(&self, name: &str, plain: bool) -> bool {
        let own_instance =
            |b: &Bound| matches!(b, Bound::CallOf(c) if self.is_only_own_class(c, plain));
        self.bindings
            .get(name)
            .is_some_and(|bound| !bound.is_empty() && bound.iter().all(own_instance))
            && self.program_bindings_all(name, own_instance)
    }

    /// Whether an expression certainly holds one of the code's own classes or instances:
    /// `self`/`cls`, a class the code defines, or a name only ever bound to an instance of
    /// one.
    pub(crate) fn is_own_value(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Name(n) => {
                let id = normalise(&n.id);
                self.is_plain_self(&id)
                    || self.is_only_own_class(&id, true)
                    || self.holds_own_instance(&id, true)
            }
            Expr::Call(call) => {
                matches!(&*call.func, Expr::Name(n) if self.is_only_own_class(&normalise(&n.id), true))
            }
            _ => false,
        }
    }

    /// The peers among `names` that an `isinstance` check now vouches for; returns the
    /// mark to give back to [`Self::unguard`] when the check stops holding.
    pub(crate) fn guard(&mut self, names: Vec<String>) -> usize {
        let mark = self.guarded.len();
        self.guarded
            .extend(names.into_iter().filter(|n| self.peer_names.contains(n)));
        mark
    }

    pub(crate) fn unguard(&mut self, mark: usize) {
        self.guarded.truncate(mark);
    }

    /// Whether `class` certainly names one of the code's plain classes, for an
    /// `isinstance(peer, class)` check: the class's name, a tuple of them, or `type(self)`.
    /// `self._check(other)` as a statement, where `_check` is a method that raises unless
    /// its parameters are instances of own classes: the arguments it vouches for. Only a
    /// private method defined once in the program, never assigned as an attribute (nor, being
    /// private, by `setattr`), so no subclass or instance can put another function there.
    pub(crate) fn guard_call_vouches(&self, call: &ast::ExprCall) -> Vec<String> {
        let Expr::Attribute(a) = &*call.func else {
            return Vec::new();
        };
        let method = normalise(&a.attr);
        let on_self = matches!(&*a.value, Expr::Name(n) if self.is_self_name(&normalise(&n.id)));
        // Defined in the class being walked, so `self.<name>` finds it before any base does,
        // in a class no library class joins below it.
        let guards = match self.guard_methods.get(method.as_ref()).map(Vec::as_slice) {
            Some([(owner, Some(guards))])
                if self.class_stack.last().is_some_and(|(c, _)| c == owner)
                    && self.only_own_subclasses(owner) =>
            {
                guards
            }
            _ => return Vec::new(),
        };
        // `__check` is `_Class__check` to Python, another name.
        if !on_self
            || !self.is_untouched_builtin("isinstance")
            || !method.starts_with('_')
            || method.starts_with("__")
            || self.uses.stored_attributes.contains(method.as_ref())
            || !call.keywords.is_empty()
            || call.args.iter().any(|a| matches!(a, Expr::Starred(_)))
        {
            return Vec::new();
        }
        guards
            .iter()
            .filter(|(_, class)| self.is_own_class_check(class))
            .filter_map(|(index, _)| match call.args.get(index.checked_sub(1)?) {
                Some(Expr::Name(arg)) => Some(normalise(&arg.id).into_owned()),
                _ => None,
            })
            .collect()
    }

    /// Whether every class deriving from `owner` (directly or not) has only own classes and
    /// builtins without methods of their own as bases: no library class can come before
    /// `owner` in an instance's method order.
    fn only_own_subclasses(&self, owner: &str) -> bool {
        let mut derived: HashSet<&str> = HashSet::from([owner]);
        loop {
            let before = derived.len();
            for (name, decls) in &self.class_decls {
                if decls
                    .iter()
                    .any(|d| d.bases.iter().any(|b| derived.contains(b.as_str())))
                {
                    derived.insert(name);
                }
            }
            if derived.len() == before {
                break;
            }
        }
        derived.iter().filter(|c| **c != owner).all(|c| {
            self.class_decls[*c].iter().all(|d| {
                d.only_named_bases
                    && d.bases.iter().all(|b| {
                        self.class_decls.contains_key(b)
                            || matches!(
                                b.as_str(),
                                "object" | "Exception" | "ValueError" | "KeyError"
                            )
                    })
            })
        })
    }

    pub(crate) fn is_own_class_check(&self, class: &Expr) -> bool {
        match class {
            Expr::Name(n) => self.is_only_own_class(&normalise(&n.id), true),
            Expr::Tuple(t) => {
                !t.elts.is_empty() && t.elts.iter().all(|e| self.is_own_class_check(e))
            }
            Expr::Call(call) => {
                matches!(&*call.func, Expr::Name(n) if normalise(&n.id) == "type" && self.is_untouched_builtin("type"))
                    && call.keywords.is_empty()
                    && matches!(call.args.as_slice(), [Expr::Name(a)] if self.is_plain_self(&normalise(&a.id)))
            }
            _ => false,
        }
    }

    /// Whether an expression may hold one of the code's classes: a name that is or was
    /// assigned one, a classmethod's `cls`, `type(...)`, `super(...)` with arguments or in a
    /// classmethod, `x.__class__`. Its instance methods are plain functions there.
    pub(crate) fn may_be_class(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Name(n) => {
                let id = normalise(&n.id);
                self.class_like.contains(id.as_ref())
                    || self.own_classes.contains(id.as_ref())
                    || (self.class_self && self.is_self_name(&id))
            }
            Expr::Call(call) => match &*call.func {
                Expr::Name(n) => match normalise(&n.id).as_ref() {
                    "type" => true,
                    "super" => !call.args.is_empty() || self.class_self,
                    _ => false,
                },
                _ => false,
            },
            Expr::Attribute(a) => normalise(&a.attr) == "__class__",
            _ => false,
        }
    }

    /// Whether `method` read from the class `base` may be a function that takes the
    /// instance first: looked up through the code's own classes when `base` names one,
    /// by name over every class body otherwise.
    pub(crate) fn is_self_method(&self, base: &Expr, method: &str) -> bool {
        if let Expr::Name(n) = base {
            if let Some(found) = self.class_defines(&normalise(&n.id), method, 0) {
                return found;
            }
        }
        self.self_method_names.contains(method)
    }

    /// `Some(takes_self)` when `class` or one of its own bases defines `method`.
    fn class_defines(&self, class: &str, method: &str, depth: usize) -> Option<bool> {
        let decls = self.class_decls.get(class)?;
        if decls.iter().any(|d| d.self_methods.contains(method)) {
            return Some(true);
        }
        if decls.iter().any(|d| d.other_methods.contains(method)) {
            return Some(false);
        }
        if depth > 16 {
            return Some(true);
        }
        decls
            .iter()
            .flat_map(|d| &d.bases)
            .find_map(|b| self.class_defines(b, method, depth + 1))
    }

    /// Whether `name`, loaded in a class body, is one of the functions that body has
    /// defined to take the instance first.
    /// `alias = method` in the class body being walked: `alias` is that method too.
    pub(crate) fn alias_class_body_method(&mut self, alias: String) {
        if let Some(methods) = self.class_body_methods.last_mut() {
            methods.insert(alias);
        }
    }

    pub(crate) fn is_class_body_method(&self, name: &str) -> bool {
        self.scope() == ScopeKind::Class
            && self
                .class_body_methods
                .last()
                .is_some_and(|m| m.contains(name))
    }

    /// The enclosing method and the position of its peer parameter `name`.
    fn peer_position(&self, name: &str) -> Option<(String, usize)> {
        if !self.peer_names.iter().any(|p| p == name) {
            return None;
        }
        let (method, params) = self.peer_method.as_ref()?;
        let index = params.iter().position(|p| p == name)?;
        Some((method.clone(), index))
    }

    /// Records a call `x.method(...)` (`unbound` when `x` may be a class, so the instance is
    /// the first argument) with, per argument, whether it is an own instance.
    pub(crate) fn record_method_call(&mut self, method: &str, call: &ast::ExprCall, unbound: bool) {
        if !self.self_method_names.contains(method) {
            return;
        }
        let splat = call.args.iter().any(|a| matches!(a, Expr::Starred(_)))
            || call.keywords.iter().any(|k| k.arg.is_none());
        let site = CallSite {
            unbound,
            splat,
            positional: call.args.iter().map(|a| self.is_own_value(a)).collect(),
            keywords: call
                .keywords
                .iter()
                .filter_map(|k| {
                    let name = normalise(k.arg.as_ref()?).into_owned();
                    Some((name, self.is_own_value(&k.value)))
                })
                .collect(),
        };
        self.method_calls
            .entry(method.to_string())
            .or_default()
            .push(site);
    }

    /// `x.method` read other than as the callee of a call: the method may be called from
    /// anywhere.
    pub(crate) fn record_method_reference(&mut self, method: &str) {
        if self.self_method_names.contains(method) {
            self.referenced_methods.insert(method.to_string());
        }
    }

    /// After the walk: whether every call of `method` passes an own instance as parameter
    /// `index` (named `name`). A dunder method is called by Python itself with anything, and a
    /// method taken as a value may be called from anywhere.
    pub(crate) fn peer_proven(&self, method: &str, index: usize, name: &str) -> bool {
        if crate::names::is_dunder(method) || self.referenced_methods.contains(method) {
            return false;
        }
        let Some(sites) = self.method_calls.get(method) else {
            return false;
        };
        sites.iter().all(|site| {
            let position = if site.unbound { index } else { index - 1 };
            !site.splat
                && match site.positional.get(position) {
                    Some(own) => *own,
                    None => site.keywords.iter().any(|(k, own)| k == name && *own),
                }
        })
    }

    /// Who owns the object an attribute is read from.
    pub(crate) fn owner_of(&self, base: &Expr) -> Owner {
        match base {
            Expr::Name(n) => {
                let id = normalise(&n.id);
                if self.is_self_name(&id) {
                    Owner::SelfLike
                } else if self.guarded.iter().any(|p| *p == id) {
                    Owner::Peer
                } else if let Some((method, index)) = self.peer_position(&id) {
                    Owner::UncheckedPeer {
                        name: id.into_owned(),
                        method,
                        index,
                    }
                } else {
                    Owner::Name(id.into_owned())
                }
            }
            Expr::Call(call) => match &*call.func {
                Expr::Name(n) if normalise(&n.id) == "super" => Owner::Super,
                // `type(self)._registry`: the class of the code's own instance.
                Expr::Name(n)
                    if normalise(&n.id) == "type"
                        && matches!(call.args.as_slice(), [Expr::Name(a)] if self.is_self_name(&normalise(&a.id))) =>
                {
                    Owner::SelfLike
                }
                _ => Owner::Other,
            },
            _ => Owner::Other,
        }
    }

    /// [`value::bound_of`], plus what only the enclosing method knows: `type(self)(...)`
    /// makes another instance of the method's own class.
    pub(crate) fn bound_here(&self, value: &Expr) -> Bound {
        if let Expr::Call(call) = value {
            // `textwrap.dedent("""...""")`: still the literal, its indentation removed.
            if let ([Expr::Constant(c)], true) = (call.args.as_slice(), call.keywords.is_empty()) {
                if let (ast::Constant::Str(text), Some("textwrap.dedent")) =
                    (&c.value, self.resolve_path(&call.func).as_deref())
                {
                    return Bound::Str(vec![value::dedent(text)]);
                }
            }
            // `cls()` in a classmethod: an instance of the class or a subclass.
            if let Expr::Name(n) = &*call.func {
                if self.class_self && self.is_self_name(&normalise(&n.id)) {
                    if let Some((class, _)) = self.class_stack.last() {
                        return Bound::CallOf(class.clone());
                    }
                }
            }
            if let Expr::Call(inner) = &*call.func {
                let type_of_self = matches!(&*inner.func, Expr::Name(n) if normalise(&n.id) == "type")
                    && !self.class_self
                    && inner.keywords.is_empty()
                    && matches!(inner.args.as_slice(), [Expr::Name(n)] if self.is_self_name(&normalise(&n.id)));
                if type_of_self {
                    if let Some((class, _)) = self.class_stack.last() {
                        return Bound::CallOf(class.clone());
                    }
                }
            }
        }
        value::bound_of(value)
    }

    /// `object.__setattr__(self, "name", value)`: how a frozen dataclass sets a field of its
    /// own instance in `__post_init__`. Only on `self` of an own plain class, with a literal
    /// public name.
    pub(crate) fn is_frozen_init(&self, call: &ast::ExprCall) -> bool {
        let Expr::Attribute(func) = &*call.func else {
            return false;
        };
        let object = matches!(&*func.value, Expr::Name(n) if normalise(&n.id) == "object")
            && self.is_untouched_builtin("object");
        let name_ok = match call.args.get(1) {
            Some(Expr::Constant(c)) => match &c.value {
                Constant::Str(name) => {
                    !name.starts_with('_') && name.chars().all(|c| c.is_alphanumeric() || c == '_')
                }
                _ => false,
            },
            _ => false,
        };
        let on_self = matches!(call.args.first(), Some(Expr::Name(n)) if self.is_plain_self(&normalise(&n.id)));
        object
            && normalise(&func.attr) == "__setattr__"
            && on_self
            && name_ok
            && call.args.len() == 3
            && call.keywords.is_empty()
    }
}

/// One call of a method by name, for [`SemanticModel::peer_proven`].
#[derive(Debug)]
struct CallSite {
    /// Called through something that may be a class: the instance is the first argument.
    unbound: bool,
    /// `*args` or `**kwargs` in the call: positions and names are unknown.
    splat: bool,
    /// Per positional argument, whether it is an own instance.
    positional: Vec<bool>,
    /// Per keyword argument, its name and whether it is an own instance.
    keywords: Vec<(String, bool)>,
}

/// One class statement, from the pre-pass.
#[derive(Debug, Default)]
struct ClassDecl {
    /// Bases written as plain names.
    bases: Vec<String>,
    /// Every base is a plain name, and no keyword (a metaclass) is given.
    only_named_bases: bool,
    /// Functions of its body that take the instance as their first argument.
    self_methods: HashSet<String>,
    /// Static and class methods.
    other_methods: HashSet<String>,
    /// A method lets its class out: `cls` or `type(self)` used as a value.
    class_escapes: bool,
    /// The names its decorators are called by (`dataclass` for `@dataclasses.dataclass(...)`),
    /// `None` for one that is not a name or an attribute.
    decorators: Vec<Option<String>>,
}

/// Class decorators of the standard library that never call the class's methods.
const VETTED_CLASS_DECORATORS: &[&str] = &[
    "dataclass",
    "total_ordering",
    "unique",
    "final",
    "runtime_checkable",
];

/// The name of a function's first positional parameter.
fn first_param_name(args: &ast::Arguments) -> Option<String> {
    args.posonlyargs
        .iter()
        .chain(&args.args)
        .next()
        .map(|a| normalise(&a.def.arg).into_owned())
}

/// Every name load in a body, nested bodies included.
/// What a guard method checks: each parameter's index (the instance is 0) and the class
/// expression it is checked against.
type Guards = Vec<(usize, Expr)>;

/// The names a class-body statement binds: a function's, or an assignment's targets.
fn class_body_names(stmt: &Stmt) -> Vec<String> {
    let targets: Vec<&Expr> = match stmt {
        Stmt::FunctionDef(f) => return vec![normalise(&f.name).into_owned()],
        Stmt::AsyncFunctionDef(f) => return vec![normalise(&f.name).into_owned()],
        Stmt::Assign(a) => a.targets.iter().collect(),
        Stmt::AnnAssign(a) => vec![&*a.target],
        Stmt::AugAssign(a) => vec![&*a.target],
        _ => return Vec::new(),
    };
    targets
        .into_iter()
        .filter_map(|t| match t {
            Expr::Name(n) => Some(normalise(&n.id).into_owned()),
            _ => None,
        })
        .collect()
}

/// The parameters a plain method (not a generator) checks before anything else: its leading
/// statements are all `if not isinstance(p, C): raise ...` or `assert isinstance(p, C)`
/// (or other tests whose failure raises at once), and those on a parameter give its index (the instance is 0)
/// and the class. `None` when there is none.
fn guarded_params(f: &ast::StmtFunctionDef) -> Option<Guards> {
    let mut uses = escapes::Uses::default();
    record_all_uses(&f.body, &mut uses);
    if uses.yields {
        return None;
    }
    let params: Vec<String> = f
        .args
        .posonlyargs
        .iter()
        .chain(&f.args.args)
        .map(|a| normalise(&a.def.arg).into_owned())
        .collect();
    let mut guards = Vec::new();
    for stmt in &f.body {
        let (test, holds) = match stmt {
            Stmt::Expr(e) if matches!(&*e.value, Expr::Constant(_)) => continue,
            Stmt::If(s) if s.orelse.is_empty() && matches!(s.body.as_slice(), [Stmt::Raise(_)]) => {
                (&*s.test, false)
            }
            Stmt::Assert(s) => (&*s.test, true),
            _ => break,
        };
        for (param, class) in isinstance_tests(test, holds) {
            if let Some(index) = params.iter().position(|p| *p == param) {
                guards.push((index, class.clone()));
            }
        }
    }
    (!guards.is_empty()).then_some(guards)
}

/// The `isinstance(p, C)` facts that `test` being `holds` proves: `not ...`, `and`/`or` of
/// them; each the name and the class expression.
fn isinstance_tests(test: &Expr, holds: bool) -> Vec<(String, &Expr)> {
    match test {
        Expr::UnaryOp(u) if u.op == ast::UnaryOp::Not => isinstance_tests(&u.operand, !holds),
        Expr::BoolOp(b) if (b.op == ast::BoolOp::And) == holds => b
            .values
            .iter()
            .flat_map(|v| isinstance_tests(v, holds))
            .collect(),
        Expr::Call(call) if holds && call.keywords.is_empty() => {
            match (&*call.func, call.args.as_slice()) {
                (Expr::Name(f), [Expr::Name(p), class]) if normalise(&f.id) == "isinstance" => {
                    vec![(normalise(&p.id).into_owned(), class)]
                }
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

fn record_all_uses(body: &[Stmt], uses: &mut escapes::Uses) {
    for stmt in body {
        escapes::record_uses(stmt, uses);
        for child in child_bodies(stmt) {
            record_all_uses(child, uses);
        }
    }
}

/// A function's parameter names, NFKC-normalised; `*args` and `**kwargs` too when `starred`.
fn param_names(args: &ast::Arguments, starred: bool) -> Vec<String> {
    let named = args
        .posonlyargs
        .iter()
        .chain(&args.args)
        .chain(&args.kwonlyargs)
        .map(|a| &a.def);
    let stars = args
        .vararg
        .iter()
        .chain(&args.kwarg)
        .filter(|_| starred)
        .map(|a| &**a);
    named
        .chain(stars)
        .map(|a| normalise(&a.arg).into_owned())
        .collect()
}

/// A dotted module name with each part NFKC-normalised, as the import system sees it.
pub(crate) fn normalise_dotted(name: &str) -> String {
    name.split('.')
        .map(|part| normalise(part).into_owned())
        .collect::<Vec<_>>()
        .join(".")
}

/// Statement bodies nested in a statement (for the import pre-pass).
/// `type(x)(...)`: a new object of whatever class `x` has.
fn is_call_of_type_of(value: &Expr) -> bool {
    matches!(value, Expr::Call(call) if matches!(&*call.func,
        Expr::Call(inner) if matches!(&*inner.func, Expr::Name(n) if normalise(&n.id) == "type")))
}

/// The names an assignment target binds (`a`, `a, *b`, `[a, (b, c)]`); attribute and
/// subscript targets bind no name.
fn target_names<'e>(target: &'e Expr, out: &mut Vec<&'e str>) {
    match target {
        Expr::Name(n) => out.push(n.id.as_str()),
        Expr::Tuple(t) => t.elts.iter().for_each(|e| target_names(e, out)),
        Expr::List(l) => l.elts.iter().for_each(|e| target_names(e, out)),
        Expr::Starred(s) => target_names(&s.value, out),
        _ => {}
    }
}

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

#[cfg(test)]
mod tests {
    use super::{Bound, Origin, ScopeKind, SemanticModel};

    #[test]
    fn class_bodies_do_not_enclose_their_functions() {
        let mut model = SemanticModel::default();
        model.enter_class("C".into(), true);
        model.bind("open", Bound::Other, Origin::Other);
        assert!(model.definitely_shadowed("open"));
        model.enter_scope(ScopeKind::Function);
        assert!(!model.definitely_shadowed("open"));
        model.exit_scope();
        model.exit_class();
        assert!(!model.definitely_shadowed("open"));
    }

    #[test]
    fn a_walrus_never_definitely_binds() {
        let mut model = SemanticModel::default();
        model.bind("open", Bound::Other, Origin::Walrus);
        assert!(!model.definitely_shadowed("open"));
        assert_eq!(model.bindings_of("open"), Some(&[Bound::Other][..]));
        model.bind("open", Bound::Other, Origin::Other);
        assert!(model.definitely_shadowed("open"));
        model.unbind("open");
        assert!(!model.definitely_shadowed("open"));
    }
}
