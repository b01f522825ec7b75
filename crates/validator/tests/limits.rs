//! Size and depth guards: hostile input comes back as a finding, never a crash, even when
//! validation runs on a thread with a small stack.

use stockade_validator::{validate, validate_bytes, Policy, Report};

/// Stack for the validating threads. Release builds (how the validator ships) are held to
/// 256 KiB. Unoptimised test builds give every frame of the generated parser far more room,
/// so they get a larger, still bounded, stack.
const SMALL_STACK: usize = if cfg!(debug_assertions) {
    1 << 20
} else {
    256 << 10
};

fn on_small_stack(source: String) -> Report {
    on_small_stack_with(source, Policy::default())
}

fn on_small_stack_with(source: String, policy: Policy) -> Report {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(move || validate(&source, &policy))
        .expect("spawn validator thread")
        .join()
        .expect("validator thread must not crash")
}

fn codes(report: &Report) -> Vec<&'static str> {
    report.findings.iter().map(|f| f.code).collect()
}

/// Inputs whose syntax tree would be 100,000 levels deep.
fn hostile_inputs() -> Vec<(&'static str, String)> {
    let n = 100_000;
    let mut elif = String::from("if a:\n    pass\n");
    for _ in 0..n {
        elif.push_str("elif a:\n    pass\n");
    }
    let mut indent = String::new();
    for level in 0..2_000 {
        indent.push_str(&" ".repeat(level));
        indent.push_str("if a:\n");
    }
    indent.push_str(&" ".repeat(2_000));
    indent.push_str("pass\n");
    vec![
        (
            "parens",
            format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n)),
        ),
        (
            "brackets",
            format!("x = {}1{}\n", "[".repeat(n), "]".repeat(n)),
        ),
        (
            "braces",
            format!("x = {}1{}\n", "{".repeat(n), "}".repeat(n)),
        ),
        ("unclosed", "(".repeat(n)),
        ("minus", format!("x = {}1\n", "-".repeat(n))),
        ("plus", format!("x = {}1\n", "+".repeat(n))),
        ("invert", format!("x = {}1\n", "~".repeat(n))),
        ("not", format!("x = {}1\n", "not ".repeat(n))),
        (
            "await",
            format!("async def f():\n    return {}1\n", "await ".repeat(n)),
        ),
        ("lambda", format!("f = {}1\n", "lambda: ".repeat(n))),
        (
            "lambda-args",
            format!("f = {}1\n", "lambda a, b=2: ".repeat(n)),
        ),
        ("ternary", format!("x = 1{}\n", " if a else 1".repeat(n))),
        ("binary", format!("x = 1{}\n", " + 1".repeat(n))),
        ("power", format!("x = 2{}\n", " ** 2".repeat(n))),
        ("attributes", format!("x = a{}\n", ".b".repeat(n))),
        ("calls", format!("x = f{}\n", "()".repeat(n))),
        ("subscripts", format!("x = a{}\n", "[0]".repeat(n))),
        ("fstring", format!("x = f'{{{}1}}'\n", "-".repeat(n))),
        ("elif", elif),
        ("indent", indent),
        ("continuation", format!("x = {}1\n", "-\\\n".repeat(n))),
    ]
}

#[test]
fn hundred_thousand_deep_inputs_are_findings_on_a_small_stack() {
    // A size limit large enough that the depth guard is what answers.
    let policy = Policy {
        max_source_bytes: 16 << 20,
        ..Policy::default()
    };
    for (name, source) in hostile_inputs() {
        let report = on_small_stack_with(source, policy.clone());
        assert_eq!(codes(&report), ["SBX003"], "{name}");
    }
}

#[test]
fn bytes_input_is_guarded_too() {
    let source = format!("x = {}1{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let report = std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(move || validate_bytes(source.as_bytes(), &Policy::default()))
        .expect("spawn")
        .join()
        .expect("no crash");
    assert_eq!(codes(&report), ["SBX003"]);
}

/// Builds a source nested `n` levels deep.
type MakeSource = fn(usize) -> String;

/// For each construct, the deepest input the guard lets through: the parser, the tree's
/// destructor and the checker must all survive it on the small stack.
#[test]
fn deepest_accepted_trees_are_safe_on_a_small_stack() {
    let units: Vec<(&str, MakeSource)> = vec![
        ("parens", |n| {
            format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n))
        }),
        ("lists", |n| {
            format!("x = {}1{}\n", "[".repeat(n), "]".repeat(n))
        }),
        ("dicts", |n| {
            format!("x = {}1{}\n", "{1: ".repeat(n), "}".repeat(n))
        }),
        ("calls-nested", |n| {
            format!("x = {}1{}\n", "f(".repeat(n), ")".repeat(n))
        }),
        ("method-args", |n| {
            format!("x = {}1{}\n", "a.b(c=".repeat(n), ")".repeat(n))
        }),
        ("minus", |n| format!("x = {}1\n", "-".repeat(n))),
        ("not", |n| format!("x = {}1\n", "not ".repeat(n))),
        ("lambda", |n| format!("f = {}1\n", "lambda: ".repeat(n))),
        ("ternary", |n| {
            format!("x = 1{}\n", " if a else 1".repeat(n))
        }),
        ("binary", |n| format!("x = 1{}\n", " + 1".repeat(n))),
        ("attributes", |n| format!("x = a{}\n", ".b".repeat(n))),
        ("calls", |n| format!("x = f{}\n", "()".repeat(n))),
        ("comprehensions", |n| {
            format!("x = {}1{}\n", "[y for y in ".repeat(n), "]".repeat(n))
        }),
        ("fstrings", |n| {
            format!("x = f'{{{}1{}}}'\n", "(".repeat(n), ")".repeat(n))
        }),
        ("blocks", |n| {
            let mut s = String::new();
            for level in 0..n {
                s.push_str(&"    ".repeat(level));
                s.push_str("if a:\n");
            }
            s.push_str(&"    ".repeat(n));
            s.push_str("x = -(a.b(c[0]))\n");
            s
        }),
        ("elif", |n| {
            let mut s = String::from("if a:\n    pass\n");
            for _ in 0..n {
                s.push_str("elif a:\n    pass\n");
            }
            s
        }),
    ];
    for (name, make) in units {
        // The largest repetition the guard accepts.
        let (mut lo, mut hi) = (0usize, 1000usize);
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            let deep = validate(&make(mid), &Policy::default())
                .findings
                .iter()
                .any(|f| f.code == "SBX003");
            if deep {
                hi = mid - 1;
            } else {
                lo = mid;
            }
        }
        assert!(lo >= 10, "{name}: only {lo} levels accepted");
        let report = on_small_stack(make(lo));
        assert!(
            !codes(&report).contains(&"SBX003"),
            "{name}: the deepest accepted input must get past the guard"
        );
        let over = on_small_stack(make(lo + 1));
        assert!(
            codes(&over).contains(&"SBX003"),
            "{name}: one more level must be refused"
        );
    }
}

#[test]
fn oversized_source_is_one_finding() {
    let policy = Policy {
        max_source_bytes: 1000,
        ..Policy::default()
    };
    let source = "x = 1\n".repeat(200);
    let report = validate(&source, &policy);
    assert_eq!(codes(&report), ["SBX002"]);
    assert_eq!(report.findings[0].span.start, 1000);
    let report = validate_bytes(source.as_bytes(), &policy);
    assert_eq!(codes(&report), ["SBX002"]);
    assert!(validate(&"x = 1\n".repeat(100), &policy).is_accepted());
}

#[test]
fn realistic_nesting_is_far_below_the_limit() {
    let source = "signal = ((close.rolling(20).mean().shift(1) > close) & (volume > volume.rolling(5).mean() * 1.5)) | ~(-close.pct_change(5).fillna(0) > 0.1)\n";
    let tight = Policy {
        max_nesting_depth: 40,
        ..Policy::default()
    };
    assert!(validate(source, &tight).is_accepted());
}
