//! Which rules look at which node: the dispatch half of the walk in `checker.rs`.

use std::borrow::Cow;

use rustpython_parser::ast::{self, Expr};

use crate::checker::{span_of, Checker, NameUse, Purpose};
use crate::index::PathVerdict;
use crate::names::{self, normalise};
use crate::rules::{
    blocked_names, builtin_values, capabilities, class_assignment, dangerous_builtins, data_object,
    dataframe_eval, decorator_targets, deserialization, dunder_access, dynamic_attribute,
    format_string, frame_internals, host_reaching, io_paths, module_as_value, module_attributes,
    module_tampering, private_attribute, process_control, type_construction,
};
use crate::semantic::{chain, Alias, Owner};
use crate::Span;

impl Checker<'_> {
    /// A name being read.
    pub(crate) fn check_name_load(&mut self, name: &str, span: Span, use_: NameUse) {
        if blocked_names::check(self, name, span)
            || dangerous_builtins::check_name(self, name, span)
            || dunder_access::check_name(self, name, span)
        {
            return;
        }
        builtin_values::check(self, name, span, use_);
        if use_ == NameUse::Value {
            let sink = self
                .model
                .aliases_of(name)
                .iter()
                .map(Alias::path)
                .find(|p| capabilities::is_sink_path(p))
                .map(str::to_string);
            if let Some(path) = sink {
                capabilities::report_value(self, &path, span);
            }
            let named = self
                .model
                .aliases_of(name)
                .iter()
                .any(|a| decorator_targets::is_decorator_path(a.path()));
            if named {
                decorator_targets::check_reference(self, span);
            }
        }
        process_control::check(self, name, span, use_);
        module_as_value::check(self, name, span, use_);
    }

    /// Any call: keyword names, `**` into sinks, plotting backends.
    pub(crate) fn check_call_capabilities(&mut self, call: &ast::ExprCall) {
        for keyword in &call.keywords {
            if let Some(arg) = &keyword.arg {
                // `SimpleNamespace(__array_interface__=...)` hands numpy raw memory.
                if names::is_dunder(arg.as_str()) {
                    dunder_access::report(
                        self,
                        span_of(keyword.range),
                        format!("the dunder keyword `{arg}` is not allowed"),
                    );
                }
            }
        }
        let paths = self.model.resolve_paths(&call.func);
        let mut sink = paths
            .iter()
            .find(|p| capabilities::is_sink_path(p) || p.as_str() == "types.SimpleNamespace")
            .cloned();
        let (base, attrs) = chain(&call.func);
        if paths.is_empty() {
            if let Some((method, _)) = attrs.first() {
                let method = normalise(method);
                let dispatch = matches!(
                    method.as_ref(),
                    "agg" | "aggregate" | "apply" | "transform" | "pipe" | "set_option"
                );
                if (capabilities::is_sink_method(&method) || dispatch)
                    && !self.model.is_own_value(base)
                {
                    sink = Some(format!(".{method}"));
                }
            }
            if let Expr::Name(n) = &*call.func {
                let id = normalise(&n.id);
                if id == "open" && !self.model.definitely_shadowed(&id) {
                    sink = Some("open".into());
                }
            }
        }
        // `backend=` chooses a module to import wherever pandas plots (`plot`, `hist`,
        // `boxplot`, ...), so it is judged on every call.
        capabilities::check_plot_keywords(self, call);
        let plotting = attrs.iter().any(|(a, _)| {
            matches!(
                normalise(a).as_ref(),
                "plot" | "hist" | "boxplot" | "plotting"
            )
        });
        if plotting && sink.is_none() {
            sink = Some(".plot".into());
        }
        let set_option = attrs
            .first()
            .is_some_and(|(a, _)| matches!(normalise(a).as_ref(), "set_option" | "option_context"))
            || paths
                .iter()
                .any(|p| matches!(p.as_str(), "pandas.set_option" | "pandas.option_context"));
        if set_option && !self.model.is_own_value(base) {
            capabilities::check_set_option(self, call);
        }
        if let Some(sink) = sink {
            for star in call.args.iter().filter(|a| matches!(a, Expr::Starred(_))) {
                capabilities::report_double_star(self, &sink, span_of(ast::Ranged::range(star)));
            }
            for keyword in call.keywords.iter().filter(|k| k.arg.is_none()) {
                capabilities::report_double_star(self, &sink, span_of(keyword.range));
            }
        }
    }

    /// An attribute chain that is not the callee of a call: a sink reached this way is a
    /// capability handed around.
    pub(crate) fn check_sink_reference(&mut self, expr: &Expr) {
        let span = span_of(ast::Ranged::range(expr));
        let paths = self.model.resolve_paths(expr);
        if paths
            .iter()
            .any(|p| decorator_targets::is_decorator_path(p))
        {
            decorator_targets::check_reference(self, span);
        }
        if let Some(path) = paths.iter().find(|p| capabilities::is_sink_path(p)) {
            let path = path.clone();
            capabilities::report_value(self, &path, span);
            return;
        }
        if !paths.is_empty() {
            return;
        }
        let (base, attrs) = chain(expr);
        let Some((method, _)) = attrs.first() else {
            return;
        };
        let method = normalise(method);
        let plot = attrs.iter().any(|(a, _)| normalise(a) == "plot");
        if (capabilities::is_sink_method(&method) || plot) && !self.model.is_own_value(base) {
            capabilities::report_value(self, &format!(".{method}"), span);
        }
    }

    /// `name(...)`.
    pub(crate) fn check_named_call(&mut self, name: &str, call: &ast::ExprCall) {
        let paths = self.model.resolve_paths(&call.func);
        for path in &paths {
            self.check_module_call(path, call);
        }
        // An import anywhere (an uncalled function, a dead branch) does not make `open` or
        // `type` something else here: a builtin's name keeps the builtin checks unless the
        // name definitely holds an import.
        if self.model.alias(name).is_some() || (!paths.is_empty() && !names::is_builtin(name)) {
            return;
        }
        dynamic_attribute::check_builtin_call(self, name, call);
        module_tampering::check_setattr(self, name, call);
        type_construction::check(self, name, call);
        dangerous_builtins::check_call(self, name, call);
        if name == "open" {
            io_paths::check_open(self, call);
        }
    }

    /// `something.method(...)`.
    pub(crate) fn check_method_call(&mut self, method: &str, call: &ast::ExprCall) {
        let span = span_of(call.range);
        deserialization::check_name(self, method, span);
        let paths = self.model.resolve_paths(&call.func);
        for path in &paths {
            self.check_module_call(path, call);
        }
        // A method reached through a module-level value (`pd.DataFrame.to_csv(df, ...)`), or
        // a base that may hold something other than its import, gets the method checks too.
        let definite = self.model.resolve_path(&call.func).is_some();
        let only_modules = definite
            && paths.iter().all(|path| {
                let segments: Vec<&str> = path.split('.').collect();
                !matches!(
                    self.index.check_path(&segments),
                    PathVerdict::Allowed { value_from } if value_from < segments.len()
                )
            });
        if only_modules {
            return;
        }
        // Methods of the code's own plain classes (`table.format()`, `rule.eval(x)`) are the
        // code's own: no template, expression or path reaches a library through them.
        if matches!(&*call.func, Expr::Attribute(a) if self.model.is_own_value(&a.value)) {
            return;
        }
        format_string::check_method(self, method, call);
        dynamic_attribute::check_method_names(self, method, call);
        dataframe_eval::check_method(self, method, call);
        io_paths::check_method(self, method, call);
    }

    fn check_module_call(&mut self, path: &str, call: &ast::ExprCall) {
        dynamic_attribute::check_operator_call(self, path, call);
        io_paths::check_module_call(self, path, call);
        deserialization::check_positional(self, path, call);
        let func = path.rsplit('.').next().unwrap_or(path);
        deserialization::check_name(self, func, span_of(call.range));
    }

    /// An attribute chain `base.a.b`; `attrs` innermost first, each with the span of the
    /// attribute node ending in it.
    pub(crate) fn check_attribute_chain(
        &mut self,
        base: &Expr,
        attrs: &[(Cow<'_, str>, Span)],
        store: bool,
    ) {
        let Some(last) = attrs.last() else {
            return;
        };
        // `"{0.x}".format` handed around uncalled is a template all the same.
        if let Some((first, _)) = attrs.first() {
            if matches!(first.as_ref(), "format" | "format_map") && !self.model.is_own_value(base) {
                format_string::check_receiver(self, base);
            }
        }
        let whole = last.1;
        let mut value_from = 0;
        if let Expr::Name(name) = base {
            let id = normalise(&name.id).into_owned();
            let aliases = self.model.aliases_of(&id).to_vec();
            // A name that may hold several imports is judged as each of them; the attributes
            // past the shortest module path are value attributes.
            let mut first = true;
            for alias in &aliases {
                let mut segments: Vec<&str> = alias.path().split('.').collect();
                let root_len = segments.len();
                segments.extend(attrs.iter().map(|(a, _)| a.as_ref()));
                match self.index.check_path(&segments) {
                    PathVerdict::Denied { at }
                        if !store
                            && at + 1 == segments.len()
                            && dunder_access::READABLE.contains(&segments[at]) =>
                    {
                        // `pd.__version__`, `np.__name__`: plain strings.
                        return;
                    }
                    PathVerdict::Denied { at } => {
                        // A root that is itself denied was reported at its import.
                        if at >= root_len {
                            let (attr, span) = &attrs[at - root_len];
                            let path = segments[..=at].join(".");
                            let module = segments[0].to_string();
                            if names::is_dunder(attr) {
                                dunder_access::report(self, *span, format!("the dunder attribute `{attr}` is not allowed (in `{path}`)"));
                            } else if attr.starts_with('_') {
                                private_attribute::report(self, *span, attr);
                            } else {
                                module_attributes::report(self, &path, &module, *span);
                            }
                        }
                        return;
                    }
                    PathVerdict::Allowed { value_from: v } => {
                        let v = v.saturating_sub(root_len);
                        value_from = if first { v } else { value_from.min(v) };
                    }
                    PathVerdict::Namespace => {
                        if !store {
                            module_as_value::report(self, &segments.join("."), whole);
                            return;
                        }
                        if first {
                            value_from = attrs.len();
                        }
                    }
                    PathVerdict::Unrestricted => value_from = 0,
                }
                first = false;
                if store {
                    module_tampering::check_module_path(self, &segments.join("."), whole);
                    return;
                }
            }
            if aliases.is_empty()
                && store
                && names::is_builtin(&id)
                && !self.model.definitely_shadowed(&id)
            {
                module_tampering::report_builtin(self, &id, whole);
            }
        }
        for (i, (attr, span)) in attrs.iter().enumerate().skip(value_from) {
            let owner = if i == 0 {
                self.model.owner_of(base)
            } else {
                Owner::Other
            };
            // `self.__class__.__name__`, `exc.__class__.__name__` only read a class's name.
            let class_name = attr == "__class__"
                && i + 2 == attrs.len()
                && !store
                && attrs
                    .get(i + 1)
                    .is_some_and(|(next, _)| matches!(next.as_ref(), "__name__" | "__qualname__"));
            if class_name {
                break;
            }
            let is_store = store && i + 1 == attrs.len();
            if self.check_value_attr(&owner, attr, *span, is_store) {
                break;
            }
        }
    }

    /// One attribute of a value; true when a finding (or a deferred check) was made.
    pub(crate) fn check_value_attr(
        &mut self,
        owner: &Owner,
        attr: &str,
        span: Span,
        store: bool,
    ) -> bool {
        if blocked_names::check(self, attr, span) {
            return true;
        }
        if store && attr == "__class__" {
            class_assignment::report(self, span);
            return true;
        }
        if dunder_access::check_attr(self, owner, attr, span, store) {
            return true;
        }
        if frame_internals::check(self, attr, span) || host_reaching::check(self, attr, span) {
            return true;
        }
        if data_object::is_module_global(attr) {
            data_object::report(self, attr, span);
            return true;
        }
        private_attribute::check(self, owner, attr, span, store);
        false
    }

    /// After the walk: a variable used where a literal is required.
    pub(crate) fn resolve_literal(&mut self, name: &str, span: Span, purpose: Purpose) {
        let values = self.model.literal_strings_of(name);
        match purpose {
            Purpose::Template => format_string::resolve(self, name, values, span),
            Purpose::Path => io_paths::resolve(self, name, values, span),
            Purpose::Query => dataframe_eval::resolve(self, name, values, span),
            Purpose::AttrName | Purpose::DottedAttrName => {
                let dotted = purpose == Purpose::DottedAttrName;
                match values {
                    Some(values) => {
                        for value in values {
                            dynamic_attribute::check_literal(self, "getattr", &value, dotted, span);
                        }
                    }
                    None => dynamic_attribute::report_variable(self, name, span),
                }
            }
        }
    }
}
