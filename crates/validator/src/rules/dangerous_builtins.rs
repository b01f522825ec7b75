//! SBX201: builtins that run code, reach namespaces, read the terminal or end the process.

use rustpython_parser::ast::{self, Constant, Expr};

use crate::checker::{span_of, Checker};
use crate::names::{self, normalise};
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Rejects every use of `eval`, `exec`, `compile`, `__import__`, `__build_class__`,
    /// `__builtins__`, `__loader__`, `__spec__`, `input`, `breakpoint`, `help`, `globals`,
    /// `locals`, `vars`, `exit`, `quit`, `license`, `copyright` and `credits`, whether called
    /// or used as a value; `dir()` without an argument or on a module; and `memoryview` on
    /// anything but a bytes literal or a fresh `bytes`/`bytearray`. Names are compared after
    /// NFKC normalisation, so `ｅｘｅｃ` is `exec`.
    ///
    /// ## Why is this bad?
    /// These builtins turn strings into code, hand out the namespaces that hold every other
    /// builtin, read the host's terminal or stop the host process. Passing `exec` to `map`,
    /// `sorted(key=...)`, `functools.partial`, a decorator or a dict calls it just the same,
    /// so the name itself is rejected, not only a call to it.
    ///
    /// ## Example
    /// ```python
    /// list(map(exec, ["import os", "os.system('id')"]))
    /// ```
    ///
    /// Use instead: write the logic as ordinary code.
    /// ```python
    /// signal = close > close.rolling(20).mean()
    /// ```
    pub(crate) struct DangerousBuiltin {
        code: "SBX201",
        name: "dangerous-builtin",
        family: "eval-exec",
        severity: Error,
        summary: "The code uses a builtin that runs code or reaches the host.",
    }
}

/// Reports a dangerous builtin name; true when it was one.
pub(crate) fn check_name(checker: &mut Checker<'_>, name: &str, span: Span) -> bool {
    let Some(why) = names::dangerous_builtin(name) else {
        return false;
    };
    checker.report(
        &DangerousBuiltin::RULE,
        span,
        format!("`{name}` is not allowed: it {why}"),
        "write the logic as ordinary code; data comes from the `data` object",
    );
    true
}

/// Call-time conditions: `dir()` on nothing or a module, `memoryview` on foreign objects.
pub(crate) fn check_call(checker: &mut Checker<'_>, name: &str, call: &ast::ExprCall) {
    let span = span_of(call.range);
    match name {
        "dir" => {
            let on_module = match call.args.first() {
                None => true,
                Some(Expr::Name(n)) => checker
                    .model
                    .aliases_of(&normalise(&n.id))
                    .iter()
                    .any(|a| matches!(a, crate::semantic::Alias::Module(_))),
                Some(_) => false,
            };
            if on_module {
                checker.report(
                    &DangerousBuiltin::RULE,
                    span,
                    "`dir()` on a module or the current scope is not allowed",
                    "refer to the names you need directly",
                );
            }
        }
        "memoryview" => {
            let fresh = match call.args.first() {
                Some(Expr::Constant(c)) => matches!(c.value, Constant::Bytes(_)),
                Some(Expr::Call(inner)) => {
                    matches!(&*inner.func, Expr::Name(n) if matches!(normalise(&n.id).as_ref(), "bytes" | "bytearray"))
                }
                _ => false,
            };
            if !fresh {
                checker.report(
                    &DangerousBuiltin::RULE,
                    span,
                    "`memoryview` of an object the code did not create is not allowed",
                    "use bytes, numpy arrays or pandas objects directly",
                );
            }
        }
        _ => {}
    }
}
