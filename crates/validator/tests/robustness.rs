//! Malformed input never panics: every prefix of the corpus files (cut at many points, also
//! inside strings, f-strings and multi-byte characters) and scrambled bytes come back as a
//! report.

use std::path::Path;

use stockade_validator::{validate, validate_bytes, Policy};

fn corpus_texts() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut out = Vec::new();
    for dir in [
        "corpus/malicious",
        "corpus/benign",
        "variants/benign",
        "fixtures",
    ] {
        for entry in std::fs::read_dir(root.join(dir)).expect("test directory") {
            let path = entry.expect("entry").path();
            out.push(std::fs::read(path).expect("file"));
        }
    }
    out
}

#[test]
fn truncated_sources_never_panic() {
    let policy = Policy::default();
    for bytes in corpus_texts() {
        for cut in (0..bytes.len()).step_by(41) {
            let prefix = &bytes[..cut];
            let report = validate_bytes(prefix, &policy);
            if let Ok(text) = std::str::from_utf8(prefix) {
                assert_eq!(validate(text, &policy).is_accepted(), report.is_accepted());
            }
            for f in &report.findings {
                assert!(f.span.start <= f.span.end && f.span.end <= prefix.len().max(1));
            }
        }
    }
}

#[test]
fn scrambled_sources_never_panic() {
    let policy = Policy::default();
    // A small deterministic generator: no dependency, same cases on every run.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet =
        b"()[]{}'\"\\\n\t #:=+-*/%@&|^~<>!.,;fbrux0123456789_abcdef\xc3\xa9\xf0\x9d\x98\xa6";
    for mut bytes in corpus_texts() {
        for _ in 0..8 {
            if bytes.is_empty() {
                break;
            }
            let at = (next() as usize) % bytes.len();
            let with = alphabet[(next() as usize) % alphabet.len()];
            bytes[at] = with;
            let report = validate_bytes(&bytes, &policy);
            for f in &report.findings {
                assert!(f.span.start <= f.span.end && f.span.end <= bytes.len());
            }
        }
    }
}
