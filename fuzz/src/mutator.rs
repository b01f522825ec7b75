//! A mutator that keeps inputs Python-shaped, so the fuzzer spends its time past the parser:
//! it splices statements and expressions taken from the repository's Python sources, nests
//! code around the validator's depth limit in every way the guard counts, rewrites names with
//! Unicode that NFKC folds back to ASCII, and changes encodings and line endings.
//!
//! Every choice comes from a generator seeded by libFuzzer, so a seed replays exactly.

use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/sources.rs"));

/// A small deterministic generator (xorshift64*), seeded by libFuzzer.
pub struct Rng(u64);

impl Rng {
    /// A generator for libFuzzer's `seed`.
    pub fn new(seed: u32) -> Self {
        Rng(u64::from(seed) ^ 0x9e37_79b9_7f4a_7c15 | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }
}

/// Statements and expressions cut from the embedded sources.
struct Fragments {
    /// Blocks (a line and the lines indented below it), dedented to column 0.
    statements: Vec<String>,
    /// Right-hand sides of one-line assignments.
    expressions: Vec<String>,
}

fn fragments() -> &'static Fragments {
    static FRAGMENTS: OnceLock<Fragments> = OnceLock::new();
    FRAGMENTS.get_or_init(|| {
        let mut statements = Vec::new();
        let mut expressions = Vec::new();
        for source in SOURCES {
            let text = String::from_utf8_lossy(source);
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                let trimmed = line.trim_start();
                if trimmed.is_empty() || trimmed.starts_with('#') {
                    continue;
                }
                let indent = &line[..line.len() - trimmed.len()];
                let mut block = String::new();
                block.push_str(trimmed);
                block.push('\n');
                for next in &lines[i + 1..] {
                    let next_trimmed = next.trim_start();
                    let next_indent = next.len() - next_trimmed.len();
                    if !next_trimmed.is_empty() && next_indent <= indent.len() {
                        break;
                    }
                    block.push_str(next.strip_prefix(indent).unwrap_or(next));
                    block.push('\n');
                }
                statements.push(block);
                if let Some((target, value)) = trimmed.split_once(" = ") {
                    let balanced = value.matches(['(', '[', '{']).count()
                        == value.matches([')', ']', '}']).count();
                    if balanced && !target.contains(['(', '"', '\'']) && !value.ends_with(':') {
                        expressions.push(value.to_owned());
                    }
                }
            }
        }
        Fragments {
            statements,
            expressions,
        }
    })
}

/// Byte offsets where lines start in `text`, and the end.
fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    if starts.last() != Some(&text.len()) {
        starts.push(text.len());
    }
    starts
}

/// The ranges of ASCII identifiers in `text`.
fn identifiers(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphabetic() || bytes[i] == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push((start, i));
        } else {
            i += 1;
        }
    }
    out
}

fn indent_of(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

fn indent_block(block: &str, indent: &str) -> String {
    block
        .lines()
        .map(|l| format!("{indent}{l}\n"))
        .collect::<String>()
}

/// How deep to nest: mostly at the policy's default limit (100) give or take a few, where
/// the guard's estimate and the real tree must agree; sometimes shallow, sometimes far over.
fn depth(rng: &mut Rng) -> usize {
    match rng.below(4) {
        0 => 1 + rng.below(20),
        1 => 100 + rng.below(300),
        _ => 90 + rng.below(20),
    }
}

/// A statement from the pool, inserted at a line boundary with the indentation found there.
fn insert_statement(text: &str, rng: &mut Rng) -> String {
    let Some(fragment) = rng.pick(&fragments().statements) else {
        return text.to_owned();
    };
    let starts = line_starts(text);
    let at = starts[rng.below(starts.len())];
    let previous = text[..at].lines().next_back().unwrap_or("");
    let next = text[at..].lines().next().unwrap_or("");
    let indent = if previous.trim_end().ends_with(':') {
        format!("{}    ", indent_of(previous))
    } else {
        indent_of(next).to_owned()
    };
    let mut out = String::with_capacity(text.len() + fragment.len());
    out.push_str(&text[..at]);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&indent_block(fragment, &indent));
    out.push_str(&text[at..]);
    out
}

/// A name in the input replaced by an expression from the pool, in parentheses.
fn replace_expression(text: &str, rng: &mut Rng) -> String {
    let names = identifiers(text);
    let (Some(&(start, end)), Some(expr)) = (rng.pick(&names), rng.pick(&fragments().expressions))
    else {
        return insert_statement(text, rng);
    };
    format!("{}({expr}){}", &text[..start], &text[end..])
}

/// One line of the input nested `depth` deep in one of the ways the guard counts.
fn nest(text: &str, rng: &mut Rng) -> String {
    let starts = line_starts(text);
    let line_no = rng.below(starts.len().saturating_sub(1).max(1));
    let (from, to) = (
        starts.get(line_no).copied().unwrap_or(0),
        starts.get(line_no + 1).copied().unwrap_or(text.len()),
    );
    let line = text[from..to].trim_end_matches('\n');
    let indent = indent_of(line);
    let body = line.trim_start();
    let (target, value) = match body.split_once(" = ") {
        Some((t, v)) => (format!("{t} = "), v.to_owned()),
        None if body.is_empty() => ("x = ".to_owned(), "1".to_owned()),
        None => (String::new(), body.to_owned()),
    };
    let n = depth(rng);
    let nested = match rng.below(12) {
        0 => format!("{}{value}{}", "(".repeat(n), ")".repeat(n)),
        1 => format!("{}{value}{}", "[".repeat(n), "]".repeat(n)),
        2 => format!("{}{value}{}", "{".repeat(n), "}".repeat(n)),
        3 => format!(
            "{}{value}",
            ["not ", "-", "~", "+", "await "][rng.below(5)].repeat(n)
        ),
        4 => format!(
            "{value}{}",
            [" + 1", " * x", " and y", " or z", " is None", " < 2"][rng.below(6)].repeat(n)
        ),
        5 => format!(
            "{value}{}",
            [".a", "()", "[0]", ".b()", "(x)[1]"][rng.below(5)].repeat(n)
        ),
        6 => format!(
            "{}{value}",
            ["lambda: ", "lambda x, y=1: ", "lambda *a: "][rng.below(3)].repeat(n)
        ),
        7 => format!("{value}{}", " if c else d".repeat(n)),
        8 => {
            // f-strings inside f-strings, alternating quotes as Python 3.11 requires.
            let quotes = ["'", "\"", "'''", "\"\"\""];
            let mut s = value.clone();
            for level in 0..n.min(12) {
                let q = quotes[level % quotes.len()];
                s = format!("f{q}{{{s}}}{q}");
            }
            s
        }
        9 => {
            let mut block = String::new();
            for level in 0..n {
                block.push_str(&"    ".repeat(level));
                block.push_str(
                    [
                        "if a:\n",
                        "for i in x:\n",
                        "with m:\n",
                        "try:\n",
                        "while b:\n",
                        "def f():\n",
                        "class C:\n",
                    ][rng.below(7)],
                );
            }
            let inner = "    ".repeat(n);
            return format!(
                "{}{}{inner}{body}\n{}",
                &text[..from],
                indent_block(&block, indent),
                &text[to..]
            );
        }
        10 => {
            let chain = format!(
                "if a:\n    pass\n{}else:\n    {body}\n",
                "elif b:\n    pass\n".repeat(n)
            );
            return format!(
                "{}{}{}",
                &text[..from],
                indent_block(&chain, indent),
                &text[to..]
            );
        }
        _ => {
            // Mixed: each level one of the bracket and prefix forms.
            let mut s = value.clone();
            for _ in 0..n {
                s = match rng.below(6) {
                    0 => format!("({s})"),
                    1 => format!("[{s}]"),
                    2 => format!("-{s}"),
                    3 => format!("not {s}"),
                    4 => format!("f({s})"),
                    _ => format!("{s}.x"),
                };
            }
            s
        }
    };
    format!("{}{indent}{target}{nested}\n{}", &text[..from], &text[to..])
}

/// Rewrites a name with characters NFKC folds to ASCII (fullwidth, mathematical letters,
/// ligatures, long s), or drops non-ASCII text that does not fold into the input.
fn unicode(text: &str, rng: &mut Rng) -> String {
    let names = identifiers(text);
    let Some(&(start, end)) = rng.pick(&names) else {
        return format!("\u{feff}{text}");
    };
    let name = &text[start..end];
    let style = rng.below(8);
    let rewritten: String = match style {
        0..=4 => name
            .chars()
            .map(|c| {
                if rng.below(2) == 0 {
                    return c;
                }
                let offset = match c {
                    'a'..='z' => c as u32 - 'a' as u32,
                    'A'..='Z' => c as u32 - 'A' as u32,
                    _ => return c,
                };
                let lower = c.is_ascii_lowercase();
                let base = match (style, lower) {
                    // Fullwidth forms.
                    (0, true) => 0xff41,
                    (0, false) => 0xff21,
                    // Mathematical bold, italic sans-serif, monospace.
                    (1, true) => 0x1d41a,
                    (1, false) => 0x1d400,
                    (2, true) => 0x1d622,
                    (2, false) => 0x1d608,
                    (3, true) => 0x1d68a,
                    (3, false) => 0x1d670,
                    // Circled letters: not identifier characters, a syntax error.
                    (_, true) => 0x24d0,
                    (_, false) => 0x24b6,
                };
                char::from_u32(base + offset).unwrap_or(c)
            })
            .collect(),
        5 => name.replace("fi", "\u{fb01}").replace('s', "\u{17f}"),
        6 => format!("{name}\u{301}"),
        _ => {
            let inserts = [
                "\u{200b}",
                "\u{202e}",
                "\u{feff}",
                "收盤價",
                "\u{1f600}",
                "\u{0394}",
                "\u{212a}",
                "\u{2028}",
                "\u{85}",
                "\u{c}",
                "\r",
                "\t",
                "\\\n",
            ];
            format!("{name}{}", inserts[rng.below(inserts.len())])
        }
    };
    format!("{}{rewritten}{}", &text[..start], &text[end..])
}

/// Byte order marks, `coding:` cookies and line endings, where Python's decoding rules sit.
fn encoding(text: &str, rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => format!("\u{feff}{text}"),
        1 => {
            let names = [
                "utf-8",
                "latin-1",
                "utf8",
                "UTF-8-sig",
                "ascii",
                "utf-16",
                "euc-jp",
                "bogus",
            ];
            let name = names[rng.below(names.len())];
            let cookie = [
                "# -*- coding: {} -*-\n",
                "# vim: set fileencoding={} :\n",
                "#coding={}\n",
            ][rng.below(3)]
            .replace("{}", name);
            if rng.below(2) == 0 {
                format!("{cookie}{text}")
            } else {
                format!("#!/usr/bin/env python3\n{cookie}{text}")
            }
        }
        2 => text.replace('\n', "\r\n"),
        3 => text.replace('\n', "\r"),
        4 => text.replace("    ", "\t"),
        _ => text.replacen('\n', "\n\x0c", 1),
    }
}

/// Duplicates, deletes, swaps or truncates lines.
fn reshape(text: &str, rng: &mut Rng) -> String {
    let starts = line_starts(text);
    let a = starts[rng.below(starts.len())];
    let b = starts[rng.below(starts.len())];
    let (a, b) = (a.min(b), a.max(b));
    match rng.below(4) {
        0 => format!("{}{}", &text[..b], &text[a..]),
        1 => format!("{}{}", &text[..a], &text[b..]),
        2 => {
            // Cut at any character boundary, as an editor does mid-keystroke.
            let mut cut = rng.below(text.len() + 1);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text[..cut].to_owned()
        }
        _ => {
            let c = starts[rng.below(starts.len())].max(b);
            format!("{}{}{}{}", &text[..a], &text[b..c], &text[a..b], &text[c..])
        }
    }
}

/// Applies one to three Python-aware mutations to `text`.
pub fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut out = if text.trim().is_empty() {
        rng.pick(&fragments().statements)
            .cloned()
            .unwrap_or_default()
    } else {
        text.to_owned()
    };
    for _ in 0..=rng.below(3) {
        out = match rng.below(10) {
            0 | 1 => insert_statement(&out, rng),
            2 | 3 => replace_expression(&out, rng),
            4 | 5 => nest(&out, rng),
            6 | 7 => unicode(&out, rng),
            8 => encoding(&out, rng),
            _ => reshape(&out, rng),
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_has_statements_and_expressions() {
        assert!(fragments().statements.len() > 500);
        assert!(fragments().expressions.len() > 100);
    }

    #[test]
    fn mutations_are_deterministic_and_stay_text() {
        let seed =
            "import pandas as pd\n\ndef strategy(data):\n    x = data.get('p')\n    return x\n";
        for s in 0..2000 {
            let a = mutate(seed, &mut Rng::new(s));
            let b = mutate(seed, &mut Rng::new(s));
            assert_eq!(a, b);
        }
    }

    /// The mutations reach past the parser: from one benign strategy they produce code that
    /// is accepted, code that some rule rejects, syntax errors and nesting the guard refuses.
    #[test]
    fn mutations_reach_the_guard_and_the_rules() {
        use std::collections::BTreeSet;
        use stockade_validator::{validate, Policy};
        let seed = "import pandas as pd\n\ndef strategy(data):\n    x = data.get('p')\n    return x.mean()\n";
        let mut codes = BTreeSet::new();
        let mut accepted = 0;
        for s in 0..3000 {
            let report = validate(&mutate(seed, &mut Rng::new(s)), &Policy::default());
            accepted += usize::from(report.is_accepted());
            codes.extend(report.findings.iter().map(|f| f.code));
        }
        assert!(accepted > 0);
        for code in ["SBX001", "SBX003"] {
            assert!(codes.contains(code), "{code} never reached: {codes:?}");
        }
        assert!(codes.iter().any(|c| c.starts_with("SBX1")), "{codes:?}");
        assert!(
            codes
                .iter()
                .any(|c| c.starts_with("SBX2") || c.starts_with("SBX3")),
            "{codes:?}"
        );
    }
}
