//! The Stockade validator for the browser: a thin wasm-bindgen wrapper around
//! [`stockade_validator`].
//!
//! Three functions are exported to JavaScript:
//!
//! - `validate(source, policy?)` returns `{ accepted, findings }`. A syntax error is a finding
//!   (`SBX001`), never an exception; only a malformed `policy` object throws (a JS `Error` whose
//!   message names the bad key or value).
//! - `rules()` returns every rule with its markdown documentation.
//! - `version()` returns the validator's version.
//!
//! Every finding carries its position three ways, so each consumer takes the one it needs:
//!
//! - `span`: half-open byte offsets into the UTF-8 source (what the native CLI and the HTTP API
//!   report, and what the parity test compares);
//! - `start` / `end`: 1-based `line`, and 1-based `column` (Unicode scalar values),
//!   `column_utf8` (bytes) and `column_utf16` (UTF-16 code units, a browser editor's column);
//! - `utf16`: half-open 0-based UTF-16 code-unit offsets into the JavaScript string that was
//!   validated, which are CodeMirror document positions when the source is `doc.toString()`.
//!
//! The conversion lives in [`render`], plain Rust that is unit-tested natively.

use serde::Serialize;
use stockade_validator::{LineIndex, Location, Policy, Report, Severity, Span};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** 1-based line; 1-based columns in Unicode scalar values, UTF-8 bytes and UTF-16 code units. */
export interface Location {
    line: number;
    column: number;
    column_utf8: number;
    column_utf16: number;
}

export interface Finding {
    /** Stable rule code, such as "SBX001". */
    code: string;
    severity: "error" | "warning";
    message: string;
    help: string;
    /** Half-open byte offsets into the UTF-8 encoding of the source. */
    span: { start: number; end: number };
    start: Location;
    end: Location;
    /** Half-open 0-based UTF-16 offsets into the validated JS string (CodeMirror positions). */
    utf16: { start: number; end: number };
}

export interface ValidationResult {
    /** True when no finding is an error. */
    accepted: boolean;
    findings: Finding[];
}

export interface RuleDoc {
    code: string;
    name: string;
    family: string;
    severity: "error" | "warning";
    summary: string;
    /** Markdown: what the rule does, why, an example. */
    doc: string;
}

/** The operator's policy; keys are those of the validator's `Policy` (unknown keys are an error). */
export type Policy = Record<string, unknown>;
"#;

#[wasm_bindgen]
extern "C" {
    /// `ValidationResult` on the TypeScript side.
    #[wasm_bindgen(typescript_type = "ValidationResult")]
    pub type JsValidationResult;
    /// `RuleDoc[]` on the TypeScript side.
    #[wasm_bindgen(typescript_type = "RuleDoc[]")]
    pub type JsRuleDocs;
    /// `Policy | null | undefined` on the TypeScript side.
    #[wasm_bindgen(typescript_type = "Policy | null | undefined")]
    pub type JsPolicy;
}

/// Validates `source` under `policy` (the default policy when it is `undefined` or `null`).
///
/// Throws only when `policy` is not a valid policy object.
#[wasm_bindgen]
pub fn validate(source: &str, policy: JsPolicy) -> Result<JsValidationResult, JsError> {
    let policy = parse_policy(policy.into())?;
    let report = stockade_validator::validate(source, &policy);
    let rendered = render::render(source, &report);
    Ok(to_js(&rendered)?.unchecked_into())
}

/// Every rule the validator knows, ordered by code, with its markdown documentation.
#[wasm_bindgen]
pub fn rules() -> Result<JsRuleDocs, JsError> {
    let docs: Vec<render::RuleDoc> = stockade_validator::rules()
        .iter()
        .map(render::RuleDoc::from)
        .collect();
    Ok(to_js(&docs)?.unchecked_into())
}

/// The validator's version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

fn parse_policy(value: JsValue) -> Result<Policy, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(Policy::default());
    }
    if !value.is_object() || js_sys::Array::is_array(&value) {
        return Err(JsError::new("invalid policy: expected an object"));
    }
    // Through JSON, so the validator's own parser applies: unknown keys and bad values are
    // errors there (a struct read straight from a JS object would skip unknown keys).
    let json = js_sys::JSON::stringify(&value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| JsError::new("invalid policy: not serialisable as JSON"))?;
    Policy::from_json(&json).map_err(|err| JsError::new(&err.to_string()))
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    // Plain objects, not `Map`s, so the result reads naturally in JavaScript.
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value
        .serialize(&serializer)
        .map_err(|err| JsError::new(&err.to_string()))
}

/// Conversion of a validator [`Report`] into what JavaScript receives. Plain Rust, no JS types.
pub mod render {
    use super::*;

    /// What `validate` returns.
    #[derive(Debug, Serialize, PartialEq, Eq)]
    pub struct Rendered {
        /// True when no finding is an error.
        pub accepted: bool,
        /// Every finding, in the validator's order.
        pub findings: Vec<RenderedFinding>,
    }

    /// One finding with its position in every unit a consumer may need.
    #[derive(Debug, Serialize, PartialEq, Eq)]
    pub struct RenderedFinding {
        /// Stable rule code.
        pub code: &'static str,
        /// `error` or `warning`.
        pub severity: Severity,
        /// What was found.
        pub message: String,
        /// What to do instead.
        pub help: String,
        /// Byte offsets into the UTF-8 source.
        pub span: Span,
        /// Where the span starts.
        pub start: Location,
        /// Where the span ends.
        pub end: Location,
        /// 0-based UTF-16 offsets into the source.
        pub utf16: Span,
    }

    /// A rule's identity and documentation.
    #[derive(Debug, Serialize, PartialEq, Eq)]
    pub struct RuleDoc {
        /// Stable rule code.
        pub code: &'static str,
        /// Short kebab-case name.
        pub name: &'static str,
        /// Family of techniques.
        pub family: &'static str,
        /// Severity of its findings.
        pub severity: Severity,
        /// One-line summary.
        pub summary: &'static str,
        /// Markdown documentation.
        pub doc: String,
    }

    impl From<&stockade_validator::Rule> for RuleDoc {
        fn from(rule: &stockade_validator::Rule) -> Self {
            RuleDoc {
                code: rule.code,
                name: rule.name,
                family: rule.family,
                severity: rule.severity,
                summary: rule.summary,
                doc: rule.markdown(),
            }
        }
    }

    /// Renders `report` (produced from `source`) with lines, columns and UTF-16 offsets.
    pub fn render(source: &str, report: &Report) -> Rendered {
        let index = LineIndex::new(source);
        let mut offsets: Vec<usize> = report
            .findings
            .iter()
            .flat_map(|f| [f.span.start, f.span.end])
            .collect();
        let utf16 = Utf16Offsets::new(source, &mut offsets);
        let findings = report
            .findings
            .iter()
            .map(|f| RenderedFinding {
                code: f.code,
                severity: f.severity,
                message: f.message.clone(),
                help: f.help.clone(),
                span: f.span,
                start: index.location(source, f.span.start),
                end: index.location(source, f.span.end),
                utf16: Span::new(utf16.get(f.span.start), utf16.get(f.span.end)),
            })
            .collect();
        Rendered {
            accepted: report.is_accepted(),
            findings,
        }
    }

    /// UTF-16 offsets of a set of byte offsets, found in one pass over the source.
    struct Utf16Offsets {
        /// (byte offset as given, UTF-16 offset), sorted by byte offset.
        table: Vec<(usize, usize)>,
    }

    impl Utf16Offsets {
        fn new(source: &str, offsets: &mut [usize]) -> Self {
            offsets.sort_unstable();
            let mut table = Vec::with_capacity(offsets.len());
            let mut chars = source.char_indices().peekable();
            let mut units = 0;
            for &offset in offsets.iter() {
                // Offsets past the end or inside a character count the characters before them.
                while let Some(&(at, c)) = chars.peek() {
                    if at + c.len_utf8() > offset {
                        break;
                    }
                    units += c.len_utf16();
                    chars.next();
                }
                table.push((offset, units));
            }
            Utf16Offsets { table }
        }

        fn get(&self, offset: usize) -> usize {
            match self.table.binary_search_by_key(&offset, |&(b, _)| b) {
                Ok(i) => self.table[i].1,
                // Every offset looked up was indexed in `new`.
                Err(_) => 0,
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use stockade_validator::Finding;

        fn finding(start: usize, end: usize) -> Finding {
            Finding {
                code: "SBX999",
                severity: Severity::Warning,
                message: "m".into(),
                help: "h".into(),
                span: Span::new(start, end),
            }
        }

        #[test]
        fn utf16_offsets_count_surrogate_pairs() {
            let src = "a = '𝘦é'\nb = eval\n";
            let start = src.find("eval").unwrap_or_default();
            let report = Report {
                findings: vec![finding(start, start + 4)],
            };
            let out = render(src, &report);
            let f = &out.findings[0];
            let expected: usize = src[..start].encode_utf16().count();
            assert_eq!(f.utf16, Span::new(expected, expected + 4));
            assert_eq!(f.start.line, 2);
            assert_eq!(f.start.column_utf16, 5);
            assert_eq!(f.end.column_utf16, 9);
            assert!(out.accepted, "a warning alone does not reject");
        }

        #[test]
        fn offsets_past_the_end_or_inside_a_character_are_clamped() {
            let src = "é";
            let report = Report {
                findings: vec![finding(1, 99)],
            };
            let out = render(src, &report);
            assert_eq!(out.findings[0].utf16, Span::new(0, 1));
        }

        #[test]
        fn syntax_errors_are_findings() {
            let src = "x = (1,\n";
            let report = stockade_validator::validate(src, &Policy::default());
            let out = render(src, &report);
            assert!(!out.accepted);
            assert_eq!(out.findings[0].code, "SBX001");
            let json = serde_json::to_value(&out).unwrap_or_default();
            assert_eq!(json["findings"][0]["severity"], "error");
            assert!(json["findings"][0]["start"]["column_utf16"].is_u64());
        }

        #[test]
        fn every_rule_is_documented() {
            let docs: Vec<RuleDoc> = stockade_validator::rules()
                .iter()
                .map(RuleDoc::from)
                .collect();
            assert!(!docs.is_empty());
            assert!(docs
                .iter()
                .all(|d| d.code.starts_with("SBX") && !d.doc.is_empty()));
        }
    }
}
