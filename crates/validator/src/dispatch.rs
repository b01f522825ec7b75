//! Which rules look at which node: the dispatch half of the walk in `checker.rs`.

use std::borrow::Cow;

use rustpython_parser::ast::{self, Expr};

use crate::checker::{Alias, Bound, Checker, NameUse, Owner, Purpose};
use crate::index::PathVerdict;
use crate::names::{self, normalise};
use crate::rules::{
    blocked_names, builtin_values, class_assignment, dangerous_builtins, dataframe_eval,
    deserialization, dunder_access, dynamic_attribute, format_string, frame_internals,
    host_reaching, io_paths, module_as_value, module_attributes, module_tampering,
    private_attribute, process_control, type_construction,
};
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
        process_control::check(self, name, span, use_);
        module_as_value::check(self, name, span, use_);
    }

    /// `name(...)`.
    pub(crate) fn check_named_call(&mut self, name: &str, call: &ast::ExprCall) {
        if self.alias(name).is_some() {
            if let Some(path) = self.resolve_path(&call.func) {
                self.check_module_call(&path, call);
            }
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
        let span = crate::checker::span_of(call.range);
        deserialization::check_name(self, method, span);
        if let Some(path) = self.resolve_path(&call.func) {
            self.check_module_call(&path, call);
            let segments: Vec<&str> = path.split('.').collect();
            // A method reached through a module-level value (`pd.DataFrame.to_csv(df, ...)`).
            let on_value = matches!(
                self.index.check_path(&segments),
                PathVerdict::Allowed { value_from } if value_from < segments.len()
            );
            if !on_value {
                return;
            }
        }
        format_string::check_method(self, method, call);
        dynamic_attribute::check_method_names(self, method, call);
        dataframe_eval::check_method(self, method, call);
        io_paths::check_method(self, method, call);
    }

    fn check_module_call(&mut self, path: &str, call: &ast::ExprCall) {
        dynamic_attribute::check_operator_call(self, path, call);
        io_paths::check_module_call(self, path, call);
        let func = path.rsplit('.').next().unwrap_or(path);
        deserialization::check_name(self, func, crate::checker::span_of(call.range));
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
        let whole = last.1;
        let mut value_from = 0;
        if let Expr::Name(name) = base {
            let id = normalise(&name.id).into_owned();
            if let Some(alias) = self.alias(&id).cloned() {
                let root = match &alias {
                    Alias::Module(path) | Alias::Value(path) => path.clone(),
                };
                let mut segments: Vec<&str> = root.split('.').collect();
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
                        value_from = v.saturating_sub(root_len)
                    }
                    PathVerdict::Namespace => {
                        if !store {
                            module_as_value::report(self, &segments.join("."), whole);
                            return;
                        }
                        value_from = attrs.len();
                    }
                    PathVerdict::Unrestricted => {}
                }
                if store {
                    module_tampering::check_module_path(self, &segments.join("."), whole);
                    return;
                }
            } else if store && names::is_builtin(&id) && !self.bindings.contains_key(&id) {
                module_tampering::report_builtin(self, &id, whole);
            }
        }
        for (i, (attr, span)) in attrs.iter().enumerate().skip(value_from) {
            let owner = if i == 0 {
                self.owner_of(base)
            } else {
                Owner::Other
            };
            // `self.__class__.__name__` in a `__repr__` only reads the class's name.
            let class_name = attr == "__class__"
                && owner == Owner::SelfLike
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
        private_attribute::check(self, owner, attr, span, store);
        false
    }

    fn owner_of(&self, base: &Expr) -> Owner {
        match base {
            Expr::Name(n) => {
                let id = normalise(&n.id);
                if self.is_self_name(&id) {
                    Owner::SelfLike
                } else {
                    Owner::Name(id.into_owned())
                }
            }
            Expr::Call(call) => match &*call.func {
                Expr::Name(n) if normalise(&n.id) == "super" => Owner::SelfLike,
                _ => Owner::Other,
            },
            _ => Owner::Other,
        }
    }

    /// After the walk: a variable used where a literal is required.
    pub(crate) fn resolve_literal(&mut self, name: &str, span: Span, purpose: Purpose) {
        let values = self.bindings.get(name).and_then(|bound| {
            bound
                .iter()
                .map(|b| match b {
                    Bound::Str(s) => Some(s.clone()),
                    _ => None,
                })
                .collect::<Option<Vec<String>>>()
        });
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
