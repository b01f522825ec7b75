//! Each rule family's fixture (failing and passing lines together) rendered to a snapshot of
//! `line:col CODE message` lines.

use std::path::Path;

use stockade_validator::{validate, LineIndex, Policy, Report};

fn render(source: &str, report: &Report) -> String {
    let index = LineIndex::new(source);
    report
        .findings
        .iter()
        .map(|f| {
            let loc = index.location(source, f.span.start);
            format!("{}:{} {} {}\n", loc.line, loc.column, f.code, f.message)
        })
        .collect()
}

fn check_fixture(name: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{name}.py"));
    let source = std::fs::read_to_string(&path).expect("fixture file");
    let report = validate(&source, &Policy::default());
    insta::assert_snapshot!(name, render(&source, &report));
}

#[test]
fn sbx006_unsupported_syntax() {
    check_fixture("SBX006");
}

#[test]
fn sbx1xx_imports() {
    check_fixture("SBX1xx_imports");
}

#[test]
fn sbx2xx_builtins() {
    check_fixture("SBX2xx_builtins");
}

#[test]
fn sbx3xx_attributes() {
    check_fixture("SBX3xx_attributes");
}

#[test]
fn sbx4xx_modules() {
    check_fixture("SBX4xx_modules");
}

#[test]
fn sbx5xx_strings() {
    check_fixture("SBX5xx_strings");
}

#[test]
fn sbx6xx_io() {
    check_fixture("SBX6xx_io");
}

#[test]
fn sbx7xx_classes() {
    check_fixture("SBX7xx_classes");
}

#[test]
fn sbx8xx_tampering() {
    check_fixture("SBX8xx_tampering");
}
