//! SBX303: frame, traceback, generator, coroutine, code and closure internals.

use crate::checker::Checker;
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Rejects the attributes that lead from an object to interpreter frames, code objects
    /// and closure cells: `f_back`, `f_globals`, `f_builtins`, `f_locals`, `f_code`,
    /// `tb_frame`, `tb_next`, `gi_frame`, `gi_code`, `cr_frame`, `cr_code`, `ag_frame`,
    /// `ag_code`, `cell_contents`, the code-object attributes (`co_code`, `co_consts`, ... by exact name, so
    /// `co_movement_window` is fine), and friends.
    ///
    /// ## Why is this bad?
    /// A traceback's `tb_frame.f_back` is the host's frame, with the host's globals and
    /// locals; an async generator's `ag_frame.f_builtins` is the builtins module;
    /// `cell_contents` hands out whatever a host closure captured.
    ///
    /// ## Example
    /// ```python
    /// try:
    ///     1 / 0
    /// except ZeroDivisionError as err:
    ///     frame = err.__traceback__.tb_frame.f_back
    /// ```
    ///
    /// Use instead: handle the exception without inspecting frames.
    /// ```python
    /// try:
    ///     ratio = a / b
    /// except ZeroDivisionError:
    ///     ratio = 0.0
    /// ```
    pub(crate) struct FrameInternals {
        code: "SBX303",
        name: "frame-internals",
        family: "frame-walk",
        severity: Error,
        summary: "The code reaches frame, code or closure internals.",
    }
}

const INTERNALS: &[&str] = &[
    "f_back",
    "f_builtins",
    "f_code",
    "f_globals",
    "f_locals",
    "f_lasti",
    "f_lineno",
    "f_trace",
    "f_trace_lines",
    "f_trace_opcodes",
    "f_generator",
    "tb_frame",
    "tb_next",
    "tb_lasti",
    "tb_lineno",
    "gi_frame",
    "gi_code",
    "gi_running",
    "gi_yieldfrom",
    "gi_suspended",
    "cr_frame",
    "cr_code",
    "cr_await",
    "cr_origin",
    "cr_running",
    "cr_suspended",
    "ag_frame",
    "ag_code",
    "ag_await",
    "ag_running",
    "cell_contents",
    "func_globals",
    "func_code",
    "func_closure",
    "im_func",
    "im_self",
    "im_class",
];

/// Attributes of code objects, by exact name (`co_movement_window` is an ordinary name).
const CODE_ATTRIBUTES: &[&str] = &[
    "co_argcount",
    "co_cellvars",
    "co_code",
    "co_consts",
    "co_exceptiontable",
    "co_filename",
    "co_firstlineno",
    "co_flags",
    "co_freevars",
    "co_kwonlyargcount",
    "co_lines",
    "co_linetable",
    "co_lnotab",
    "co_name",
    "co_names",
    "co_nlocals",
    "co_positions",
    "co_posonlyargcount",
    "co_qualname",
    "co_stacksize",
    "co_varnames",
    "co_code_adaptive",
    "co_lnotab_adaptive",
];

/// Whether an attribute name is an interpreter internal (also used for names given as strings).
pub(crate) fn is_internal(attr: &str) -> bool {
    INTERNALS.contains(&attr) || CODE_ATTRIBUTES.contains(&attr)
}

/// Reports an internals attribute; true when it was one.
pub(crate) fn check(checker: &mut Checker<'_>, attr: &str, span: Span) -> bool {
    if !is_internal(attr) {
        return false;
    }
    checker.report(
        &FrameInternals::RULE,
        span,
        format!("the interpreter-internal attribute `{attr}` is not allowed"),
        "do not inspect frames, tracebacks, generators, code objects or closures",
    );
    true
}
