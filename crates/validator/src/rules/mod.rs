//! The rule registry and the check pipeline: decode, guard, parse, walk.
//!
//! Codes are stable and grouped by family:
//!
//! | range    | family                                           |
//! |----------|--------------------------------------------------|
//! | `SBX0xx` | syntax, limits, encoding, unsupported syntax     |
//! | `SBX1xx` | imports                                          |
//! | `SBX2xx` | builtins                                         |
//! | `SBX3xx` | attributes: dunders, private names, internals    |
//! | `SBX4xx` | module leaks and library internals               |
//! | `SBX5xx` | strings that become code                         |
//! | `SBX6xx` | file and network I/O, deserialization            |
//! | `SBX7xx` | classes that reach into the host                 |
//! | `SBX8xx` | tampering with shared libraries and the process  |

use crate::{Finding, Policy, Report, Severity, Span};

/// Declares a rule: a unit struct carrying the doc comment, and its registry entry whose
/// `doc` is that same doc comment's text.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])+
        $vis:vis struct $name:ident {
            code: $code:literal,
            name: $rule_name:literal,
            family: $family:literal,
            severity: $severity:ident,
            summary: $summary:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])+
        #[derive(Debug, Clone, Copy)]
        $vis struct $name;

        impl $name {
            /// This rule's registry entry.
            pub(crate) const RULE: $crate::rules::Rule = $crate::rules::Rule {
                code: $code,
                name: $rule_name,
                family: $family,
                severity: $crate::Severity::$severity,
                summary: $summary,
                doc: concat!($($doc, "\n"),+),
            };
        }
    };
}

pub(crate) mod annotations;
pub(crate) mod blocked_names;
pub(crate) mod builtin_rebinding;
pub(crate) mod builtin_values;
pub(crate) mod capabilities;
pub(crate) mod class_assignment;
pub(crate) mod class_hooks;
pub(crate) mod dangerous_builtins;
pub(crate) mod data_object;
pub(crate) mod dataframe_eval;
pub(crate) mod decorator_targets;
pub(crate) mod deserialization;
pub(crate) mod dunder_access;
pub(crate) mod dynamic_attribute;
pub(crate) mod encoding;
pub(crate) mod foreign_self;
pub(crate) mod format_string;
pub(crate) mod frame_internals;
pub(crate) mod host_reaching;
pub(crate) mod import_allowlist;
pub(crate) mod import_forms;
pub(crate) mod io_paths;
pub(crate) mod limits;
pub(crate) mod module_as_value;
pub(crate) mod module_attributes;
pub(crate) mod module_tampering;
pub(crate) mod private_attribute;
pub(crate) mod process_control;
pub(crate) mod syntax;
pub(crate) mod timezones;
pub(crate) mod type_construction;
pub(crate) mod unsupported;

/// Documentation and identity of one rule.
#[derive(Debug)]
pub struct Rule {
    /// Stable code, such as `SBX301`.
    pub code: &'static str,
    /// Short kebab-case name.
    pub name: &'static str,
    /// The family of techniques the rule belongs to.
    pub family: &'static str,
    /// Severity of its findings.
    pub severity: Severity,
    /// One-line summary.
    pub summary: &'static str,
    /// The rule's doc comment as written in the source (each line keeps the space that follows
    /// `///`); use [`Rule::markdown`] to display it.
    pub doc: &'static str,
}

impl Rule {
    /// The rule's documentation as Markdown: what it does, why it matters, an example.
    pub fn markdown(&self) -> String {
        let mut out = String::with_capacity(self.doc.len());
        for line in self.doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }
}

static RULES: &[Rule] = &[
    syntax::SyntaxError::RULE,
    limits::SourceTooLarge::RULE,
    limits::NestingTooDeep::RULE,
    encoding::ForeignEncoding::RULE,
    encoding::InvalidUtf8::RULE,
    unsupported::UnsupportedSyntax::RULE,
    import_allowlist::ImportNotAllowed::RULE,
    import_forms::RelativeImport::RULE,
    import_forms::StarImport::RULE,
    import_allowlist::ImportedNameNotAllowed::RULE,
    capabilities::PlottingBackend::RULE,
    dangerous_builtins::DangerousBuiltin::RULE,
    builtin_rebinding::BuiltinRebinding::RULE,
    dynamic_attribute::DynamicAttribute::RULE,
    type_construction::TypeConstruction::RULE,
    builtin_values::CallOnlyBuiltinAsValue::RULE,
    blocked_names::BlockedName::RULE,
    dunder_access::DunderAccess::RULE,
    private_attribute::PrivateAttribute::RULE,
    frame_internals::FrameInternals::RULE,
    module_attributes::ModuleAttributeNotAllowed::RULE,
    module_as_value::ModuleAsValue::RULE,
    host_reaching::HostReachingAttribute::RULE,
    format_string::FormatStringField::RULE,
    dataframe_eval::DataFrameEval::RULE,
    annotations::AnnotationNotAType::RULE,
    io_paths::FilePathNotAllowed::RULE,
    deserialization::Deserialization::RULE,
    io_paths::UrlNotAllowed::RULE,
    capabilities::SinkAsValue::RULE,
    timezones::TimeZoneFile::RULE,
    class_hooks::ClassKeyword::RULE,
    class_hooks::HostCalledDunder::RULE,
    class_assignment::ClassAssignment::RULE,
    foreign_self::ForeignSelf::RULE,
    module_tampering::ModuleTampering::RULE,
    process_control::ProcessControl::RULE,
    decorator_targets::DecoratorOnLibraryObject::RULE,
];

/// Every rule, ordered by code.
pub fn rules() -> &'static [Rule] {
    RULES
}

/// The rule with this code, if any.
pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code.eq_ignore_ascii_case(code))
}

fn finding(rule: &Rule, span: Span, message: String, help: &str) -> Finding {
    Finding {
        code: rule.code,
        severity: rule.severity,
        message,
        help: help.to_string(),
        span,
    }
}

pub(crate) fn check(source: &str, policy: &Policy) -> Report {
    if source.len() > policy.max_source_bytes {
        return Report {
            findings: vec![limits::too_large(source.len(), policy.max_source_bytes)],
        };
    }
    if let Err(err) = crate::source::check_cookie(source) {
        return Report {
            findings: vec![encoding::finding_for(&err)],
        };
    }
    check_text(source, policy)
}

pub(crate) fn check_bytes(bytes: &[u8], policy: &Policy) -> Report {
    if bytes.len() > policy.max_source_bytes {
        return Report {
            findings: vec![limits::too_large(bytes.len(), policy.max_source_bytes)],
        };
    }
    match crate::source::decode(bytes) {
        Ok(text) => check_text(text, policy),
        Err(err) => Report {
            findings: vec![encoding::finding_for(&err)],
        },
    }
}

/// Guards, parses and walks decoded text (which may start with a BOM).
fn check_text(full: &str, policy: &Policy) -> Report {
    let bom = if full.starts_with('\u{feff}') {
        crate::source::BOM_LEN
    } else {
        0
    };
    let source = &full[bom..];
    let mut findings = Vec::new();
    if let Err(deep) = crate::guard::check_depth(source, policy.max_nesting_depth) {
        findings.push(limits::too_deep(source, deep.at, policy.max_nesting_depth));
    } else if let Some(at) = source.find('\0') {
        findings.push(syntax::null_byte(at));
    } else {
        match rustpython_parser::parse(source, rustpython_parser::Mode::Module, "<strategy>") {
            Err(err) => findings.push(syntax::from_parse_error(source, &err)),
            Ok(rustpython_parser::ast::Mod::Module(module)) => {
                let mut checker = crate::checker::Checker::new(source, policy);
                checker.run(&module.body);
                findings = checker.findings;
            }
            Ok(_) => {}
        }
    }
    for f in &mut findings {
        f.span.start += bom;
        f.span.end += bom;
    }
    findings.sort_by(|a, b| (a.span, a.code).cmp(&(b.span, b.code)));
    findings.dedup_by(|a, b| a.span == b.span && a.code == b.code);
    Report { findings }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_documented() {
        let codes: Vec<&str> = rules().iter().map(|r| r.code).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(codes, sorted, "codes must be unique and in order");
        for r in rules() {
            assert!(r.code.starts_with("SBX") && r.code.len() == 6, "{}", r.code);
            for heading in ["## What it does", "## Why is this bad?", "## Example"] {
                assert!(r.doc.contains(heading), "{} lacks {heading}", r.code);
            }
            assert!(r.doc.contains("```python"), "{} has no example", r.code);
            assert!(!r.summary.is_empty() && !r.name.is_empty());
            assert_eq!(rule("sbx001").map(|r| r.code), Some("SBX001"));
        }
    }
}
