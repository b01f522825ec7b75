//! Variants written for this crate: techniques from every family in other spellings (each
//! section of `variants/malicious.py` must be rejected on its own), and realistic strategy
//! code (every file in `variants/benign/` must be accepted).

use std::path::Path;

use stockade_validator::{validate, Policy};

#[test]
fn every_malicious_variant_is_rejected() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/variants/malicious.py");
    let text = std::fs::read_to_string(path).expect("variants file");
    let mut accepted = Vec::new();
    let mut count = 0;
    for section in text.split("\n# --- ").skip(1) {
        let (title, body) = section.split_once('\n').unwrap_or((section, ""));
        count += 1;
        if validate(body, &Policy::default()).is_accepted() {
            accepted.push(title.to_string());
        }
    }
    assert!(count > 90, "only {count} sections found");
    assert!(
        accepted.is_empty(),
        "accepted malicious variants:\n{}",
        accepted.join("\n")
    );
}

#[test]
fn realistic_strategies_are_accepted() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/variants/benign");
    let mut rejected = Vec::new();
    let mut count = 0;
    for entry in std::fs::read_dir(dir).expect("benign variants") {
        let path = entry.expect("entry").path();
        let source = std::fs::read_to_string(&path).expect("benign file");
        count += 1;
        let report = validate(&source, &Policy::default());
        for f in report.findings {
            let line = source[..f.span.start].lines().count();
            rejected.push(format!(
                "{}:{line} {} {}",
                path.display(),
                f.code,
                f.message
            ));
        }
    }
    assert!(count >= 5);
    assert!(
        rejected.is_empty(),
        "findings in benign code:\n{}",
        rejected.join("\n")
    );
}
