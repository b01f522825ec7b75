//! The public API end to end: decoding, policy files, suppression comments, the registry.

use stockade_validator::{rule, rules, validate, validate_bytes, LineIndex, Policy, Severity};

fn codes(source: &str, policy: &Policy) -> Vec<&'static str> {
    validate(source, policy)
        .findings
        .iter()
        .map(|f| f.code)
        .collect()
}

#[test]
fn suppression_comments_are_never_honoured() {
    let policy = Policy::default();
    for comment in [
        "# noqa",
        "# noqa: SBX201",
        "# type: ignore",
        "# stockade: allow",
        "# stockade: ignore[SBX201]",
        "# nosec",
        "# pylint: disable=all",
        "# fmt: off",
    ] {
        let source = format!("exec('print(1)')  {comment}\n");
        assert_eq!(codes(&source, &policy), ["SBX201"], "{comment}");
        let source = format!("{comment}\nimport os\n");
        assert_eq!(codes(&source, &policy), ["SBX101"], "{comment}");
    }
}

#[test]
fn bytes_are_decoded_as_python_does() {
    let policy = Policy::default();
    // A BOM is fine, and spans still index the original bytes.
    let source = b"\xef\xbb\xbfimport os\n";
    let report = validate_bytes(source, &policy);
    assert_eq!(report.findings[0].code, "SBX101");
    assert_eq!(
        &source[report.findings[0].span.start..report.findings[0].span.end],
        b"os"
    );
    assert!(validate_bytes(b"\xef\xbb\xbf# coding: utf-8\nx = 1\n", &policy).is_accepted());
    // A BOM with a different declared codec is a conflict.
    let report = validate_bytes(b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", &policy);
    assert_eq!(report.findings[0].code, "SBX004");
    assert!(report.findings[0].message.contains("byte-order mark"));
    // Other codecs are rejected, in bytes and in text.
    for cookie in [
        "unicode_escape",
        "latin-1",
        "utf-16",
        "raw_unicode_escape",
        "utf-7",
    ] {
        let source = format!("# -*- coding: {cookie} -*-\nx = 1\n");
        assert_eq!(
            validate_bytes(source.as_bytes(), &policy).findings[0].code,
            "SBX004"
        );
        assert_eq!(codes(&source, &policy), ["SBX004"]);
    }
    for cookie in ["utf-8", "UTF8", "utf_8", "utf-8-sig"] {
        let source = format!("# vim: set fileencoding={cookie} :\nx = 1\n");
        assert!(
            validate_bytes(source.as_bytes(), &policy).is_accepted(),
            "{cookie}"
        );
    }
    // Invalid UTF-8 is a finding at the first bad byte.
    let report = validate_bytes(b"x = 1\ny = '\xc3\x28'\n", &policy);
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].code, "SBX005");
    assert_eq!(report.findings[0].span.start, 11);
}

#[test]
fn syntax_errors_are_findings_with_a_location() {
    let source = "def strategy(data)\n    return data\n";
    let report = validate(source, &Policy::default());
    assert_eq!(report.findings.len(), 1);
    let f = &report.findings[0];
    assert_eq!(f.code, "SBX001");
    let loc = LineIndex::new(source).location(source, f.span.start);
    assert_eq!(loc.line, 1);
    assert!(loc.column >= 18, "{loc:?}");
    assert_eq!(codes("x = 'a\0b'\n", &Policy::default()), ["SBX001"]);
}

#[test]
fn a_syntax_error_at_a_line_break_stays_on_its_line() {
    for source in ["def f()\n    pass\n", "x = 1 +\n", "x = 1 +\r\ny = 2\r\n"] {
        let report = validate(source, &Policy::default());
        let f = &report.findings[0];
        assert_eq!(f.code, "SBX001", "{source:?}");
        let index = LineIndex::new(source);
        let (start, end) = (
            index.location(source, f.span.start),
            index.location(source, f.span.end),
        );
        assert_eq!((start.line, end.line), (1, 1), "{source:?}: {:?}", f.span);
    }
}

#[test]
fn spans_cover_the_offending_text() {
    let source = "import numpy as np\nnp.ctypeslib.CDLL\nx = ｅｘｅｃ\n";
    let report = validate(source, &Policy::default());
    let texts: Vec<&str> = report
        .findings
        .iter()
        .map(|f| &source[f.span.start..f.span.end])
        .collect();
    assert_eq!(texts, ["ctypeslib", "ｅｘｅｃ"]);
}

#[test]
fn policies_load_from_yaml_and_json() {
    let yaml = "
max_source_bytes: 5000
allowed_imports: [pandas, numpy, scipy]
allowed_attributes:
  pandas: [DataFrame]
  scipy: ['stats.*']
blocked_names: [submit_order]
writable_path_prefixes: [/scratch/]
";
    let policy = Policy::from_yaml(yaml).expect("valid policy");
    assert_eq!(
        policy.max_nesting_depth,
        Policy::default().max_nesting_depth
    );
    assert!(codes("import scipy\nscipy.stats.norm.cdf(0.5)\n", &policy).is_empty());
    assert_eq!(
        codes("import scipy\nscipy.io.loadmat('x')\n", &policy),
        ["SBX401"]
    );
    assert_eq!(
        codes("import pandas as pd\npd.concat([])\n", &policy),
        ["SBX401"]
    );
    assert_eq!(codes("import math\n", &policy), ["SBX101"]);
    assert_eq!(codes("submit_order(1)\n", &policy), ["SBX206"]);
    assert!(codes("open('/scratch/a.csv', 'w')\n", &policy).is_empty());
    assert_eq!(codes("open('/tmp/a.csv', 'w')\n", &policy), ["SBX601"]);
    // Numpy has no attribute list in this policy: every public name is allowed.
    assert!(codes("import numpy as np\nnp.anything(1)\n", &policy).is_empty());
    assert_eq!(
        codes("import numpy as np\nnp._private\n", &policy),
        ["SBX302"]
    );

    let json = r#"{"max_nesting_depth": 50, "blocked_names": ["spy"]}"#;
    let policy = Policy::from_json(json).expect("valid json policy");
    assert_eq!(policy.max_nesting_depth, 50);
    assert_eq!(policy.allowed_imports, Policy::default().allowed_imports);
}

#[test]
fn bad_policies_are_errors() {
    assert!(
        Policy::from_yaml("max_source_byte: 10\n").is_err(),
        "unknown keys"
    );
    assert!(
        Policy::from_json(r#"{"allowed_imports": "os"}"#).is_err(),
        "wrong type"
    );
    assert!(Policy::from_yaml("max_nesting_depth: 0\n").is_err());
    assert!(Policy::from_yaml("max_nesting_depth: 100000\n").is_err());
    assert!(Policy::from_yaml("writable_path_prefixes: [/]\n").is_err());
    assert!(Policy::from_yaml("writable_path_prefixes: [tmp/]\n").is_err());
    assert!(
        Policy::from_yaml("allowed_imports: [math]\nallowed_attributes: {os: [system]}\n").is_err()
    );
    Policy::default()
        .check()
        .expect("the default policy is valid");
}

#[test]
fn the_default_policy_round_trips() {
    let policy = Policy::default();
    let json = serde_json::to_string(&policy).expect("serialises");
    assert_eq!(Policy::from_json(&json).expect("parses"), policy);
    let yaml = serde_yaml::to_string(&policy).expect("serialises");
    assert_eq!(Policy::from_yaml(&yaml).expect("parses"), policy);
}

#[test]
fn every_finding_code_is_a_registered_rule() {
    let corpus = "import os\neval('1')\nx = ().__class__\nopen('/etc/passwd')\n";
    let report = validate(corpus, &Policy::default());
    assert!(!report.findings.is_empty());
    for f in &report.findings {
        let r = rule(f.code).expect("registered");
        assert_eq!(r.severity, f.severity);
        assert_eq!(f.severity, Severity::Error);
        assert!(!f.help.is_empty());
    }
    assert!(rules().len() >= 30);
    assert!(rule("SBX999").is_none());
    let doc = rule("SBX201").expect("SBX201").doc;
    assert!(doc.contains("## What it does") && doc.contains("map(exec"));
}

#[test]
fn rule_docs_render_as_markdown_with_every_section() {
    for rule in stockade_validator::rules() {
        let doc = rule.markdown();
        for heading in ["## What it does", "## Why is this bad?", "## Example"] {
            assert!(
                doc.lines().any(|line| line == heading),
                "{}: no `{heading}` line in\n{doc}",
                rule.code
            );
        }
    }
}
