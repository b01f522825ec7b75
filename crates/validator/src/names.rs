//! Identifier normalisation and the name tables the rules share.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

/// The identifier as Python sees it: NFKC-normalised (`𝘦𝘷𝘢𝘭` and `ｅｘｅｃ` are `eval` and `exec`).
pub(crate) fn normalise(ident: &str) -> Cow<'_, str> {
    if ident.is_ascii() {
        Cow::Borrowed(ident)
    } else {
        Cow::Owned(ident.nfkc().collect())
    }
}

/// `__name__`-style names.
pub(crate) fn is_dunder(name: &str) -> bool {
    name.len() > 4 && name.starts_with("__") && name.ends_with("__")
}

/// Whether an attribute named `attr` may be a library class: capitalised, as libraries name
/// their classes, or the last name of one of the few that are not.
pub(crate) fn may_name_class(attr: &str) -> bool {
    is_capitalised(attr) || is_last_name_of_any(crate::defaults::OTHERWISE_NAMED_CLASSES, attr)
}

/// Whether `name` is the last name of one of the dotted `paths` (`fields` of
/// `dataclasses.fields`): what an unresolved attribute or name may stand for.
pub(crate) fn is_last_name_of_any(paths: &[&str], name: &str) -> bool {
    paths
        .iter()
        .any(|path| path.rsplit('.').next() == Some(name))
}

/// Whether the resolved library path `path` (`pandas.Series`, `numpy.vectorize`) names a
/// class.
pub(crate) fn is_class_path(path: &str) -> bool {
    use crate::defaults::{IMMUTABLE_CLASSES, OTHERWISE_NAMED_CLASSES};
    let named_as_class = path
        .rsplit('.')
        .next()
        .is_some_and(|last| is_capitalised(last) && !is_constant_name(last));
    (named_as_class && !IMMUTABLE_CLASSES.contains(&path) && !is_library_value(path))
        || OTHERWISE_NAMED_CLASSES.contains(&path)
}

/// Whether the resolved library path `path` holds a plain value (`re.IGNORECASE`, `math.pi`,
/// `pd.NaT`), neither a function nor a class.
pub(crate) fn is_library_value(path: &str) -> bool {
    use crate::defaults::{CALLABLES_IN_CAPITALS, LIBRARY_VALUES};
    (path.rsplit('.').next().is_some_and(is_constant_name)
        && !CALLABLES_IN_CAPITALS.contains(&path))
        || LIBRARY_VALUES.contains(&path)
}

/// A name in capitals only (`IGNORECASE`, `ROUND_HALF_UP`, `TYPE_CHECKING`): a constant by
/// convention (`abc.ABC` is listed among the classes named otherwise).
fn is_constant_name(name: &str) -> bool {
    name.chars().any(char::is_uppercase) && !name.chars().any(char::is_lowercase)
}

fn is_capitalised(name: &str) -> bool {
    name.chars().next().is_some_and(char::is_uppercase)
}

/// Every name in Python's `builtins` module that code could shadow.
pub(crate) const BUILTINS: &[&str] = &[
    "abs",
    "aiter",
    "all",
    "anext",
    "any",
    "ascii",
    "bin",
    "bool",
    "breakpoint",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "classmethod",
    "compile",
    "complex",
    "copyright",
    "credits",
    "delattr",
    "dict",
    "dir",
    "divmod",
    "enumerate",
    "eval",
    "exec",
    "exit",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "help",
    "hex",
    "id",
    "input",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "license",
    "list",
    "locals",
    "map",
    "max",
    "memoryview",
    "min",
    "next",
    "object",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "property",
    "quit",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "slice",
    "sorted",
    "staticmethod",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "vars",
    "zip",
    "__import__",
    "__build_class__",
    "__builtins__",
    "__loader__",
    "__spec__",
    "__debug__",
    "BaseException",
    "Exception",
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "EOFError",
    "ImportError",
    "IndexError",
    "KeyError",
    "LookupError",
    "MemoryError",
    "NameError",
    "NotImplementedError",
    "OSError",
    "OverflowError",
    "RecursionError",
    "RuntimeError",
    "StopIteration",
    "SystemExit",
    "TypeError",
    "ValueError",
    "ZeroDivisionError",
    "KeyboardInterrupt",
    "GeneratorExit",
    "Warning",
    "NotImplemented",
    "Ellipsis",
    "None",
    "True",
    "False",
];

/// Builtins that run code, reach namespaces, read the terminal or end the process. Using one
/// as a value is the same as calling it.
pub(crate) const DANGEROUS_BUILTINS: &[(&str, &str)] = &[
    ("eval", "evaluates a string as code"),
    ("exec", "executes a string as code"),
    ("compile", "turns a string into a code object"),
    ("__import__", "imports any module by name"),
    (
        "__build_class__",
        "builds classes outside the class statement",
    ),
    ("__builtins__", "is the builtins namespace itself"),
    ("__loader__", "loads modules from files"),
    ("__spec__", "describes how the module was loaded"),
    ("input", "reads from the host's standard input"),
    (
        "breakpoint",
        "starts a debugger that runs arbitrary statements",
    ),
    (
        "help",
        "starts the interactive help system, which imports modules by name",
    ),
    (
        "globals",
        "exposes the module namespace, including its builtins",
    ),
    ("locals", "exposes the running frame's namespace"),
    ("vars", "exposes an object's or frame's namespace"),
    ("exit", "ends the host process"),
    ("quit", "ends the host process"),
    ("license", "is a site helper that prints arbitrary files"),
    ("copyright", "is a site helper that prints arbitrary files"),
    ("credits", "is a site helper that prints arbitrary files"),
];

/// Builtins that may be called with literal arguments but never handed around as values.
pub(crate) const CALL_ONLY_BUILTINS: &[&str] = &[
    "getattr",
    "setattr",
    "delattr",
    "hasattr",
    "open",
    "memoryview",
    "dir",
    "type",
];

/// Exceptions whose raising ends or interrupts the host process rather than the strategy.
pub(crate) const PROCESS_EXCEPTIONS: &[&str] =
    &["SystemExit", "KeyboardInterrupt", "GeneratorExit"];

pub(crate) fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name)
}

pub(crate) fn dangerous_builtin(name: &str) -> Option<&'static str> {
    DANGEROUS_BUILTINS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, why)| *why)
}

/// Methods whose arguments other rules check at the call site (I/O paths, templates,
/// expressions); reaching them by a string name would skip those checks.
pub(crate) fn is_sink_method(name: &str) -> bool {
    name.starts_with("to_")
        || name.starts_with("read_")
        || matches!(
            name,
            "eval" | "query" | "format" | "format_map" | "tofile" | "dump"
        )
}
