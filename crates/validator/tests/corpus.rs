//! The shared corpus: every `malicious/` file must be rejected, every `benign/` file accepted.
//! Runs on the in-repo copy (`tests/corpus/`), and on the workspace's shared corpus too when
//! it exists, so a newer shared sample is checked as soon as it lands.

use std::fs;
use std::path::{Path, PathBuf};

use stockade_validator::{validate_bytes, LineIndex, Policy};

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    out.sort();
    out
}

/// Lists every misjudged file of the corpus at `root`.
fn misjudged(root: &Path) -> Vec<String> {
    let policy = Policy::default();
    let mut wrong = Vec::new();
    for (sub, expect_reject) in [("malicious", true), ("benign", false)] {
        let dir = root.join(sub);
        let found = files(&dir);
        assert!(!found.is_empty(), "no corpus files in {}", dir.display());
        for path in found {
            let bytes = fs::read(&path).expect("corpus file");
            let report = validate_bytes(&bytes, &policy);
            if report.is_accepted() == expect_reject {
                let text = String::from_utf8_lossy(&bytes);
                let index = LineIndex::new(&text);
                let detail = report
                    .findings
                    .iter()
                    .map(|f| {
                        let loc = index.location(&text, f.span.start);
                        format!("\n    {}:{} {} {}", loc.line, loc.column, f.code, f.message)
                    })
                    .collect::<String>();
                let verdict = if expect_reject {
                    "accepted"
                } else {
                    "rejected"
                };
                wrong.push(format!(
                    "{sub}/{} {verdict}{detail}",
                    path.file_name()
                        .map(|n| n.to_string_lossy())
                        .unwrap_or_default()
                ));
            }
        }
    }
    wrong
}

#[test]
fn in_repo_corpus_is_judged_correctly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let wrong = misjudged(&root);
    assert!(
        wrong.is_empty(),
        "misjudged corpus files:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn shared_corpus_is_judged_correctly_when_present() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/validator");
    if !root.join("malicious").is_dir() {
        // A clean clone has only the in-repo copy, which the test above checks.
        return;
    }
    let wrong = misjudged(&root);
    assert!(
        wrong.is_empty(),
        "misjudged shared corpus files:\n{}",
        wrong.join("\n")
    );
}
