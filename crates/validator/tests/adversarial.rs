//! The adversarial corpus (`tests/adversarial/`): programs written by an attacker who has
//! read the rules, one directory per class of weakness, and honest strategies written the way
//! language models write them. The validator must reject every malicious file and accept
//! every honest one. That each malicious file really reaches its target, and that each
//! honest file really runs, is shown with the real sandbox by the root package's
//! `adversarial_reach` and `adversarial_honest_run` tests.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use stockade_validator::{validate_bytes, LineIndex, Policy};

/// What a malicious file can declare it reaches (checked by the probe).
const TARGETS: &[&str] = &[
    "read-host-file",
    "write-outside-tmp",
    "os-system",
    "subprocess",
    "socket",
    "pickle",
    "ctypes",
    "raw-memory",
    "host-frames",
    "tamper-pandas",
    "tamper-data",
    "import-module",
];

const MIN_MALICIOUS: usize = 150;
const MIN_HONEST: usize = 60;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/adversarial")
}

fn py_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    out.sort();
    out
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Class directory -> its files.
fn malicious() -> BTreeMap<String, Vec<PathBuf>> {
    let mut classes = BTreeMap::new();
    for entry in fs::read_dir(root().join("malicious")).expect("malicious corpus") {
        let dir = entry.expect("directory entry").path();
        if dir.is_dir() {
            classes.insert(file_name(&dir), py_files(&dir));
        }
    }
    classes
}

fn honest() -> Vec<PathBuf> {
    py_files(&root().join("honest"))
}

fn first_line(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines().next().unwrap_or_default().to_string()
}

/// The findings of a file, one per line, for failure messages.
fn findings(path: &Path) -> (bool, String) {
    let bytes = fs::read(path).expect("corpus file");
    let report = validate_bytes(&bytes, &Policy::default());
    let text = String::from_utf8_lossy(&bytes);
    let index = LineIndex::new(&text);
    let detail = report
        .findings
        .iter()
        .map(|f| {
            let loc = index.location(&text, f.span.start);
            format!(
                "\n      {}:{} {} {}",
                loc.line, loc.column, f.code, f.message
            )
        })
        .collect();
    (report.is_accepted(), detail)
}

#[test]
fn corpus_files_declare_their_class_and_target() {
    let classes = malicious();
    let mut bad = Vec::new();
    let mut total = 0;
    for (class, files) in &classes {
        total += files.len();
        for path in files {
            let line = first_line(path);
            let expected_start = format!("# expect: reject  class: {class}  target: ");
            let target = line.strip_prefix(&expected_start).unwrap_or_default();
            if !TARGETS.contains(&target) {
                bad.push(format!("{class}/{}: {line:?}", file_name(path)));
            }
        }
    }
    let honest = honest();
    for path in &honest {
        if first_line(path) != "# expect: accept" {
            bad.push(format!(
                "honest/{}: line 1 must be `# expect: accept`",
                file_name(path)
            ));
        }
    }
    assert!(bad.is_empty(), "malformed headers:\n{}", bad.join("\n"));
    assert!(classes.len() >= 10, "only {} classes", classes.len());
    assert!(total >= MIN_MALICIOUS, "only {total} malicious files");
    assert!(
        honest.len() >= MIN_HONEST,
        "only {} honest files",
        honest.len()
    );
}

#[test]
fn validator_rejects_every_malicious_file_and_accepts_every_honest_one() {
    let mut table = String::from("\nclass                      files  rejected  missed\n");
    let mut wrong = Vec::new();
    for (class, files) in malicious() {
        let mut missed = Vec::new();
        for path in &files {
            if findings(path).0 {
                missed.push(file_name(path));
            }
        }
        table.push_str(&format!(
            "{class:<26} {:>5}  {:>8}  {:>6}\n",
            files.len(),
            files.len() - missed.len(),
            missed.len()
        ));
        wrong.extend(
            missed
                .iter()
                .map(|m| format!("accepted malicious {class}/{m}")),
        );
    }
    let honest = honest();
    let mut rejected = 0;
    for path in &honest {
        let (accepted, detail) = findings(path);
        if !accepted {
            rejected += 1;
            wrong.push(format!("rejected honest {}{detail}", file_name(path)));
        }
    }
    table.push_str(&format!(
        "{:<26} {:>5}  {:>8}  {:>6}\n",
        "honest (accepted)",
        honest.len(),
        honest.len() - rejected,
        rejected
    ));
    println!("{table}");
    assert!(
        wrong.is_empty(),
        "{table}\n{} misjudged files:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
