//! SBX401: attribute paths on modules must be allowed, not merely not forbidden.

use crate::checker::Checker;
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Checks every attribute path that starts at an imported module (through any alias:
    /// `import numpy as np`, `from numpy import linalg`, `DF = pd.DataFrame`) against the
    /// policy's `allowed_attributes` for that module: `pd.DataFrame`, `pd.concat`,
    /// `np.where`, `np.linalg.inv`, `np.random.default_rng` are listed; `pd.io.common`,
    /// `np.ctypeslib`, `np.f2py`, `np.testing`, `pd.core`, `statistics.sys`,
    /// `contextlib.os`, `json.codecs`, `dataclasses.builtins` are not. Past an allowed
    /// entry (a class, function or constant), attributes are ordinary value attributes.
    ///
    /// ## Why is this bad?
    /// Modules carry the modules they imported as attributes. An allowed module is a door
    /// to every module it touches: `pd.io.common.os.system`, `np.ma.core.builtins.exec`,
    /// `contextlib.os.environ`. Only the listed API is safe to reach.
    ///
    /// ## Example
    /// ```python
    /// import pandas as pd
    /// pd.io.common.os.system("id")
    /// ```
    ///
    /// Use instead: the documented API.
    /// ```python
    /// import pandas as pd
    /// frame = pd.DataFrame({"close": [1.0, 2.0]})
    /// ```
    pub(crate) struct ModuleAttributeNotAllowed {
        code: "SBX401",
        name: "module-attribute-not-allowed",
        family: "library-internals",
        severity: Error,
        summary: "An attribute path on a module is not in the policy's allowlist.",
    }
}

pub(crate) fn report(checker: &mut Checker<'_>, path: &str, module: &str, span: Span) {
    checker.report(
        &ModuleAttributeNotAllowed::RULE,
        span,
        format!("`{path}` is not an allowed attribute of module `{module}`"),
        "use the documented API (for example pd.DataFrame, pd.concat, np.where, np.linalg.inv)",
    );
}
