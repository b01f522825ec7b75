//! `.pre-commit-hooks.yaml`: the hook other repositories use runs `stockade validate` on the
//! staged Python files, the way pre-commit would.

mod cli_support;

use cli_support::{root, run, stockade};
use serde_yaml::Value;

fn hook() -> Value {
    let text = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).expect("hooks file");
    let hooks: Value = serde_yaml::from_str(&text).expect("valid YAML");
    let hooks = hooks.as_sequence().expect("a list of hooks");
    hooks
        .iter()
        .find(|hook| hook["id"] == "stockade-validate")
        .expect("the stockade-validate hook")
        .clone()
}

#[test]
fn the_hook_builds_the_binary_and_filters_python_files() {
    let hook = hook();
    assert_eq!(hook["language"], "rust");
    assert_eq!(hook["types"], Value::from(vec!["python"]));
    assert!(hook["name"].as_str().is_some_and(|n| !n.is_empty()));
}

#[test]
fn the_entry_fails_the_commit_only_for_rejected_files() {
    let hook = hook();
    let entry: Vec<&str> = hook["entry"]
        .as_str()
        .expect("an entry")
        .split_whitespace()
        .collect();
    assert_eq!(entry.first(), Some(&"stockade"));
    // pre-commit appends the staged file names to the entry.
    let run_hook = |files: &[&str]| {
        let mut args = entry[1..].to_vec();
        args.extend_from_slice(files);
        run(&mut stockade(&args))
    };
    let clean = run_hook(&[
        "tests/fixtures/cli/clean.py",
        "examples/strategies/momentum.py",
    ]);
    assert_eq!(clean.code, 0, "{clean:?}");
    let rejected = run_hook(&[
        "tests/fixtures/cli/clean.py",
        "tests/fixtures/cli/syntax_error.py",
    ]);
    assert_eq!(rejected.code, 1, "{rejected:?}");
    assert!(rejected.stdout.contains("syntax_error.py:"), "{rejected:?}");
}
