//! What every fuzz target of the validator checks, and the Python-aware mutator of the
//! `validate_python` target.
//!
//! Properties, for any input: validation returns (no panic, no stack overflow on the stack the
//! product gives it, in bounded time: libFuzzer's `-timeout`), every finding's span lies inside
//! the input, starts and ends on character boundaries, renders to a line and column, and the
//! findings come ordered by position as [`Report`] promises.

use stockade_validator::{validate, validate_bytes, LineIndex, Policy, Report};

pub mod mutator;

/// Stack of the thread that validates each input: the smallest the product runs the validator
/// on. The browser editor's WebAssembly module has Rust's default 1 MiB wasm stack; the CLI's
/// main thread (8 MiB) and the service's tokio threads (2 MiB) have more.
pub const PRODUCT_STACK: usize = 1 << 20;

/// Runs `f` on a fresh thread with [`PRODUCT_STACK`] bytes of stack. A panic or a stack
/// overflow there aborts the process, which libFuzzer records as a crash.
pub fn on_product_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let thread = std::thread::Builder::new()
        .name("validator".into())
        .stack_size(PRODUCT_STACK)
        .spawn(f)
        .expect("spawning the validator thread");
    match thread.join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Validates raw bytes as the CLI does and checks the report.
pub fn check_bytes(input: &[u8]) {
    let owned = input.to_vec();
    let report = on_product_stack(move || validate_bytes(&owned, &Policy::default()));
    check_report(input, &report);
}

/// Validates text as the service and the browser editor do, checks the report, and checks
/// that decoding the same text's bytes reaches the same verdict.
pub fn check_text(text: &str) {
    let owned = text.to_owned();
    let (report, from_bytes) = on_product_stack(move || {
        let policy = Policy::default();
        (
            validate(&owned, &policy),
            validate_bytes(owned.as_bytes(), &policy),
        )
    });
    check_report(text.as_bytes(), &report);
    assert_eq!(
        report.is_accepted(),
        from_bytes.is_accepted(),
        "validate and validate_bytes disagree: {report:?} vs {from_bytes:?}"
    );
}

/// Asserts the span properties of every finding of `report` on `input`.
pub fn check_report(input: &[u8], report: &Report) {
    let text = std::str::from_utf8(input).ok();
    let index = text.map(LineIndex::new);
    let mut previous = 0;
    for finding in &report.findings {
        let span = finding.span;
        assert!(
            span.start <= span.end && span.end <= input.len(),
            "{} span {}..{} outside the input ({} bytes)",
            finding.code,
            span.start,
            span.end,
            input.len()
        );
        assert!(
            span.start >= previous,
            "findings out of order: {} at {} after {}",
            finding.code,
            span.start,
            previous
        );
        previous = span.start;
        if let (Some(text), Some(index)) = (text, index.as_ref()) {
            assert!(
                text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
                "{} span {}..{} splits a character",
                finding.code,
                span.start,
                span.end
            );
            let start = index.location(text, span.start);
            let end = index.location(text, span.end);
            assert!(
                (start.line, start.column) <= (end.line, end.column),
                "{} span renders backwards: {start:?} .. {end:?}",
                finding.code
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stockade_validator::{Finding, Severity, Span};

    fn report(spans: &[(usize, usize)]) -> Report {
        Report {
            findings: spans
                .iter()
                .map(|&(start, end)| Finding {
                    code: "SBX101",
                    severity: Severity::Error,
                    message: String::new(),
                    help: String::new(),
                    span: Span::new(start, end),
                })
                .collect(),
        }
    }

    #[test]
    fn sound_spans_pass() {
        check_report(
            "import os\n".as_bytes(),
            &report(&[(0, 6), (7, 9), (10, 10)]),
        );
        check_text("import os\nos.system('é')\n");
        check_bytes(b"\xff\xfe import os\n");
    }

    #[test]
    #[should_panic(expected = "outside the input")]
    fn a_span_past_the_end_is_caught() {
        check_report(b"x = 1\n", &report(&[(4, 7)]));
    }

    #[test]
    #[should_panic(expected = "splits a character")]
    fn a_span_inside_a_character_is_caught() {
        check_report("x = 'é'\n".as_bytes(), &report(&[(5, 6)]));
    }

    #[test]
    #[should_panic(expected = "out of order")]
    fn findings_out_of_order_are_caught() {
        check_report(b"import os, sys\n", &report(&[(11, 14), (7, 9)]));
    }
}
