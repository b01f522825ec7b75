//! SBX602: pickle and other deserialisation that runs code.

use rustpython_parser::ast::{self, Constant, Expr};

use crate::checker::{span_of, Checker};
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Rejects `allow_pickle=` with anything but a literal `False` or `None` (on any call:
    /// `np.load`, `np.save`, ...), and `read_pickle` / `to_pickle` however they are reached.
    /// (`pickle`, `shelve`, `marshal`, `dill` and `joblib` are not importable: SBX101; a
    /// class defining `__reduce__` is SBX702.)
    ///
    /// ## Why is this bad?
    /// Unpickling calls whatever callable the data names, with arguments the data chooses:
    /// loading a pickle is running code. A file in `/tmp/` written by an earlier step is no
    /// safer than a string passed to `exec`.
    ///
    /// ## Example
    /// ```python
    /// weights = np.load("/tmp/weights.npy", allow_pickle=True)
    /// ```
    ///
    /// Use instead: plain numeric formats.
    /// ```python
    /// weights = np.load("/tmp/weights.npy")
    /// ```
    pub(crate) struct Deserialization {
        code: "SBX602",
        name: "deserialization",
        family: "deserialization",
        severity: Error,
        summary: "The code deserialises pickles, which runs code.",
    }
}

pub(crate) fn check_keywords(checker: &mut Checker<'_>, keywords: &[ast::Keyword]) {
    for keyword in keywords {
        if keyword
            .arg
            .as_ref()
            .is_none_or(|a| a.as_str() != "allow_pickle")
        {
            continue;
        }
        let off = matches!(&keyword.value, Expr::Constant(c) if matches!(c.value, Constant::Bool(false) | Constant::None));
        if !off {
            report(
                checker,
                span_of(keyword.range),
                "`allow_pickle` must be False".into(),
            );
        }
    }
}

/// `read_pickle` / `to_pickle` as a method or a module function.
/// `np.load(path, None, True)`: `allow_pickle` is the third positional parameter.
pub(crate) fn check_positional(checker: &mut Checker<'_>, path: &str, call: &ast::ExprCall) {
    if path != "numpy.load" {
        return;
    }
    if let Some(flag) = call.args.get(2) {
        let off = matches!(flag, Expr::Constant(c) if matches!(c.value, Constant::Bool(false) | Constant::None));
        if !off {
            report(
                checker,
                span_of(ast::Ranged::range(flag)),
                "`allow_pickle` (third positional argument of `np.load`) must be False".into(),
            );
        }
    }
}

pub(crate) fn check_name(checker: &mut Checker<'_>, func: &str, span: Span) {
    if matches!(func, "read_pickle" | "to_pickle") {
        report(
            checker,
            span,
            format!("`{func}` deserialises pickles and is not allowed"),
        );
    }
}

fn report(checker: &mut Checker<'_>, span: Span, message: String) {
    checker.report(
        &Deserialization::RULE,
        span,
        message,
        "store data as CSV, JSON, Parquet or plain .npy arrays",
    );
}
