//! SBX002 and SBX003: input too large or too deeply nested to check safely.

use super::finding;
use crate::{Finding, Span};

declare_rule! {
    /// ## What it does
    /// Rejects source text larger than the policy's `max_source_bytes` (1 MiB by default)
    /// before anything else reads it.
    ///
    /// ## Why is this bad?
    /// Parsing and checking cost time and memory in proportion to the input. A bound keeps
    /// the validator, the runner and the browser editor responsive whatever they are sent.
    ///
    /// ## Example
    /// ```python
    /// TABLE = [0.1, 0.2, 0.3, ...]  # megabytes of inlined data
    /// ```
    ///
    /// Use instead: read the data through the `data` object the strategy receives.
    /// ```python
    /// table = data.get("factor:table")
    /// ```
    pub(crate) struct SourceTooLarge {
        code: "SBX002",
        name: "source-too-large",
        family: "limits",
        severity: Error,
        summary: "The source is larger than the policy allows.",
    }
}

declare_rule! {
    /// ## What it does
    /// Rejects code nested deeper than the policy's `max_nesting_depth` (100 by default):
    /// brackets, indented blocks, `elif` chains, unary operators (`-`, `+`, `~`, `not`),
    /// `await`, `lambda`, conditional expressions, and chains of operators, calls and
    /// attributes. A cheap lexical pre-scan measures it before the parser runs.
    ///
    /// ## Why is this bad?
    /// Parsers, tree destructors and checkers recurse on the tree. Input such as 100,000
    /// opening brackets would exhaust the stack and crash the process that validates it,
    /// which in a server is a denial of service. Real strategies stay far below the limit.
    ///
    /// ## Example
    /// ```python
    /// x = ((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))  # ... thousands deep
    /// ```
    ///
    /// Use instead: name intermediate results.
    /// ```python
    /// spread = high - low
    /// x = spread / close
    /// ```
    pub(crate) struct NestingTooDeep {
        code: "SBX003",
        name: "nesting-too-deep",
        family: "limits",
        severity: Error,
        summary: "The code is nested deeper than the policy allows.",
    }
}

pub(crate) fn too_large(len: usize, max: usize) -> Finding {
    finding(
        &SourceTooLarge::RULE,
        Span::new(max, len),
        format!("source is {len} bytes; the limit is {max} bytes"),
        "shorten the program; load large data through the `data` object instead of inlining it",
    )
}

pub(crate) fn too_deep(source: &str, at: usize, max: usize) -> Finding {
    let mut at = at.min(source.len());
    while !source.is_char_boundary(at) {
        at -= 1;
    }
    let end = source[at..]
        .chars()
        .next()
        .map_or(at, |c| at + c.len_utf8());
    finding(
        &NestingTooDeep::RULE,
        Span::new(at, end),
        format!("code is nested deeper than {max} levels (brackets, blocks, operators or chains)"),
        "split the expression or block into smaller named steps",
    )
}
