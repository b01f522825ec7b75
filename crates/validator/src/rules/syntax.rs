//! SBX001: code that does not parse.

use rustpython_parser::ParseError;

use super::finding;
use crate::{Finding, Span};

declare_rule! {
    /// ## What it does
    /// Reports source text that is not valid Python, at the position the parser stopped.
    ///
    /// ## Why is this bad?
    /// Code that does not parse cannot be checked, so it cannot be allowed to run. The
    /// interpreter in the sandbox would refuse it anyway.
    ///
    /// ## Example
    /// ```python
    /// def strategy(data)
    ///     return data.get("price:close")
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def strategy(data):
    ///     return data.get("price:close")
    /// ```
    pub(crate) struct SyntaxError {
        code: "SBX001",
        name: "syntax-error",
        family: "syntax",
        severity: Error,
        summary: "The code does not parse as Python.",
    }
}

pub(crate) fn from_parse_error(source: &str, err: &ParseError) -> Finding {
    let mut at = usize::from(err.offset).min(source.len());
    while !source.is_char_boundary(at) {
        at -= 1;
    }
    // One character wide, except at a line break: the parser stops there for a missing
    // colon or a dangling operator, and a span over the break would end on the next line.
    let end = match source[at..].chars().next() {
        None | Some('\n' | '\r') => at,
        Some(c) => at + c.len_utf8(),
    };
    finding(
        &SyntaxError::RULE,
        Span::new(at, end),
        format!("syntax error: {}", err.error),
        "fix the syntax; the code must parse as Python 3 before it is checked",
    )
}

pub(crate) fn null_byte(at: usize) -> Finding {
    finding(
        &SyntaxError::RULE,
        Span::new(at, at + 1),
        "source contains a null byte".into(),
        "remove the null byte; Python refuses source text that contains one",
    )
}
