//! The validator tells library classes from functions and plain values by name (SBX801's "a
//! library class used as a value" and "storing a function"): capitalised but not in capitals
//! only, or listed among the few whose names are not; and a few lists of exceptions. This test
//! asks the sandbox images which allowed attributes really are classes whose attributes can be
//! set, and which are callable, and checks that the validator rejects a program handing each
//! class to a helper that patches it, and one storing each callable on a foreign object.

mod adversarial_common;

use std::collections::BTreeSet;
use std::process::Command;

use adversarial_common::{ensure_image, ensure_modern_image, output};
use stockade_validator::{validate, Policy};

/// Prints `module path` for every allowed attribute `o` for which `SELECT` holds.
const WALK: &str = r#"
import importlib, json, os
allowed = json.loads(os.environ["ALLOWED"])
for module, paths in allowed.items():
    try:
        m = importlib.import_module(module)
    except ImportError:
        continue
    for path in paths:
        o = m
        try:
            for part in path.split("."):
                o = getattr(o, part)
        except AttributeError:
            continue
        if SELECT:
            print(module, path)
"#;

/// A class without `Py_TPFLAGS_IMMUTABLETYPE`: its attributes can be set, so handing it
/// around lets code patch it.
const SETTABLE_CLASSES: &str = "isinstance(o, type) and not o.__flags__ & (1 << 8)";

/// Anything that can be called (functions, classes, callable objects): storing one on an
/// object installs a method.
const CALLABLES: &str = "callable(o)";

fn introspect(image: &str, select: &str) -> BTreeSet<(String, String)> {
    let script = WALK.replace("SELECT", select);
    let allowed = serde_json::to_string(&Policy::default().allowed_attributes).expect("json");
    let out = output(
        Command::new("docker")
            .args([
                "run",
                "--rm",
                "--network",
                "none",
                "-e",
                "PYTHONPATH=/opt/stockade/python",
            ])
            .args([
                "-e",
                &format!("ALLOWED={allowed}"),
                image,
                "python3",
                "-c",
                &script,
            ]),
    );
    assert!(
        out.status.success(),
        "introspection in {image} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect()
}

fn check(image: &str) {
    let classes = introspect(image, SETTABLE_CLASSES);
    // numpy and pandas export dozens of capitalised classes and a few that are not: an empty
    // answer means the introspection broke, not that there is nothing to check.
    assert!(
        classes
            .iter()
            .any(|(m, p)| m == "numpy" && p == "vectorize"),
        "{classes:?}"
    );
    let policy = Policy::default();
    let missed: Vec<String> = classes
        .iter()
        .filter(|(module, path)| {
            let code = format!(
                "import {module} as m\n\n\ndef put(kind):\n    kind.total = 0\n\n\nput(m.{path})\nsignal = 1\n"
            );
            let report = validate(&code, &policy);
            !report.findings.iter().any(|f| f.code == "SBX801")
        })
        .map(|(module, path)| format!("{module}.{path}"))
        .collect();
    assert!(
        missed.is_empty(),
        "classes of {image} the validator does not see as classes: {missed:?}"
    );

    let callables = introspect(image, CALLABLES);
    assert!(
        callables.iter().any(|(m, p)| m == "math" && p == "sqrt"),
        "{callables:?}"
    );
    let missed: Vec<String> = callables
        .iter()
        .filter(|(module, path)| {
            let code = format!(
                "import {module} as m\n\n\ndef put(o):\n    o.hook = m.{path}\n\n\nput(1)\nsignal = 1\n"
            );
            let report = validate(&code, &policy);
            !report.findings.iter().any(|f| f.code == "SBX801")
        })
        .map(|(module, path)| format!("{module}.{path}"))
        .collect();
    assert!(
        missed.is_empty(),
        "callables of {image} the validator takes for plain values: {missed:?}"
    );
}

#[test]
fn every_settable_class_of_the_default_image_is_known_as_a_class() {
    ensure_image();
    check("stockade-sandbox:latest");
}

#[test]
fn every_settable_class_of_the_modern_image_is_known_as_a_class() {
    ensure_modern_image();
    check("stockade-sandbox-modern:latest");
}
