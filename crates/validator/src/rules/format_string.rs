//! SBX501: format templates whose fields reach attributes or items.

use rustpython_parser::ast::{self, Constant, Expr, Ranged};

use crate::checker::{span_of, Checker, Deferred, Purpose};
use crate::names::normalise;
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Checks `str.format` and `str.format_map` templates (and `Styler.format` patterns):
    /// the template must be a string literal, or a variable only ever bound to string
    /// literals, and no replacement field, including fields nested in format specs, may
    /// have an attribute (`{0.attr}`) or index (`{0[key]}`) part.
    ///
    /// ## Why is this bad?
    /// `str.format` resolves `.attr` and `[key]` in its fields at run time, so a template is
    /// an attribute access the tree does not show: `"{0.__globals__[sys]}".format(f)`
    /// reaches the builtins, and a template built at run time can say anything.
    ///
    /// ## Example
    /// ```python
    /// "{0.__init__.__globals__}".format(obj)
    /// ```
    ///
    /// Use instead: an f-string, whose expressions are checked like any other code.
    /// ```python
    /// f"{name}: {value:.2f}"
    /// ```
    pub(crate) struct FormatStringField {
        code: "SBX501",
        name: "format-string-field",
        family: "format-string",
        severity: Error,
        summary: "A format template reaches attributes or items, or is not a literal.",
    }
}

pub(crate) fn check_method(checker: &mut Checker<'_>, method: &str, call: &ast::ExprCall) {
    if !matches!(method, "format" | "format_map") {
        return;
    }
    let Expr::Attribute(func) = &*call.func else {
        return;
    };
    match &*func.value {
        Expr::Constant(c) => {
            if let Constant::Str(template) = &c.value {
                check_template_literal(checker, template, span_of(c.range));
            }
        }
        Expr::Name(n) => checker.deferred.push(Deferred::Literal {
            name: normalise(&n.id).into_owned(),
            span: span_of(n.range),
            purpose: Purpose::Template,
        }),
        // `df.style.format("{:.2%}")`: the patterns are the arguments.
        Expr::Attribute(a) if normalise(&a.attr) == "style" => {
            for arg in call
                .args
                .iter()
                .chain(call.keywords.iter().map(|k| &k.value))
            {
                check_pattern_arg(checker, arg);
            }
        }
        other => report(
            checker,
            span_of(other.range()),
            format!("`.{method}()` on a template that is not a string literal is not allowed"),
        ),
    }
}

/// The receiver of `.format` / `.format_map`, whether the method is called or passed around.
pub(crate) fn check_receiver(checker: &mut Checker<'_>, receiver: &Expr) {
    match receiver {
        Expr::Constant(c) => {
            if let Constant::Str(template) = &c.value {
                check_template_literal(checker, template, span_of(c.range));
            }
        }
        Expr::Name(n) => checker.deferred.push(Deferred::Literal {
            name: normalise(&n.id).into_owned(),
            span: span_of(n.range),
            purpose: Purpose::Template,
        }),
        _ => {}
    }
}

fn check_pattern_arg(checker: &mut Checker<'_>, arg: &Expr) {
    match arg {
        Expr::Constant(c) => {
            if let Constant::Str(template) = &c.value {
                check_template_literal(checker, template, span_of(c.range));
            }
        }
        Expr::Name(n) => checker.deferred.push(Deferred::Literal {
            name: normalise(&n.id).into_owned(),
            span: span_of(n.range),
            purpose: Purpose::Template,
        }),
        Expr::Dict(d) => {
            for value in &d.values {
                check_pattern_arg(checker, value);
            }
        }
        _ => {}
    }
}

pub(crate) fn check_template_literal(checker: &mut Checker<'_>, template: &str, span: Span) {
    if let Some(field) = bad_field(template, 0) {
        report(
            checker,
            span,
            format!("format field `{{{field}}}` reaches an attribute or item"),
        );
    }
}

/// Resolves a template variable after the walk (`values` is `None` when not only literals).
pub(crate) fn resolve(
    checker: &mut Checker<'_>,
    name: &str,
    values: Option<Vec<String>>,
    span: Span,
) {
    match values {
        Some(values) => {
            for value in values {
                check_template_literal(checker, &value, span);
            }
        }
        None => report(
            checker,
            span,
            format!("format template `{name}` is not always a string literal"),
        ),
    }
}

fn report(checker: &mut Checker<'_>, span: Span, message: String) {
    checker.report(
        &FormatStringField::RULE,
        span,
        message,
        "use an f-string, or a literal template with plain `{}`/`{name}` fields",
    );
}

/// The first replacement field whose name has an attribute or index part.
fn bad_field(template: &str, depth: usize) -> Option<String> {
    if depth > 4 {
        return Some(template.to_string());
    }
    let chars: Vec<char> = template.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '{' if chars.get(i + 1) == Some(&'{') => i += 2,
            '{' => {
                // Find the matching close brace; `[...]` may hold braces.
                let start = i + 1;
                let mut nest = 1;
                let mut j = start;
                let mut in_index = false;
                while j < chars.len() {
                    match chars[j] {
                        '[' if !in_index => in_index = true,
                        ']' if in_index => in_index = false,
                        '{' if !in_index => nest += 1,
                        '}' if !in_index => {
                            nest -= 1;
                            if nest == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                let field: String = chars[start..j.min(chars.len())].iter().collect();
                let name_end = field.find(['!', ':']).unwrap_or(field.len());
                // An index may contain '!' or ':'; any '[' or '.' before them is already bad.
                let name = &field[..name_end];
                if name.contains('.') || name.contains('[') {
                    return Some(field);
                }
                if let Some(colon) = field.find(':') {
                    if let Some(inner) = bad_field(&field[colon + 1..], depth + 1) {
                        return Some(inner);
                    }
                }
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::bad_field;

    #[test]
    fn fields_with_attributes_or_items_are_found() {
        assert_eq!(bad_field("{} {name} {0:>10.2f} {{literal}} {x!r}", 0), None);
        assert_eq!(
            bad_field("{0.__class__}", 0).as_deref(),
            Some("0.__class__")
        );
        assert_eq!(bad_field("{a[0]}", 0).as_deref(), Some("a[0]"));
        assert_eq!(
            bad_field("{0:{1.__doc__}}", 0).as_deref(),
            Some("1.__doc__")
        );
        assert_eq!(bad_field("{{0.x}}", 0), None);
    }
}
