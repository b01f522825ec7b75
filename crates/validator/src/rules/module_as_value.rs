//! SBX402: modules used as values.

use crate::checker::{Checker, NameUse};
use crate::semantic::Alias;
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Rejects using a module (or a module namespace such as `np.random`) as a value:
    /// assigning it (`m = pd`), passing it (`f(np)`), storing it in a container, or calling
    /// it. Modules may only be used as the start of an attribute path (`pd.DataFrame`), or
    /// in `getattr(np, "nanmean")` with a literal name, which is checked as `np.nanmean`.
    ///
    /// ## Why is this bad?
    /// The attribute allowlist follows paths from where a module is named. A module handed
    /// around as a value escapes that tracking: `m = [pd][0]; m.io.common.os`.
    ///
    /// ## Example
    /// ```python
    /// import pandas as pd
    /// lib = pd
    /// ```
    ///
    /// Use instead: name what you use.
    /// ```python
    /// import pandas as pd
    /// DataFrame = pd.DataFrame
    /// ```
    pub(crate) struct ModuleAsValue {
        code: "SBX402",
        name: "module-as-value",
        family: "module-leak",
        severity: Error,
        summary: "A module is used as a value instead of through its attributes.",
    }
}

pub(crate) fn check(checker: &mut Checker<'_>, name: &str, span: Span, use_: NameUse) {
    if use_ == NameUse::AttrBase {
        return;
    }
    // A module imported in any branch or function may be what the name holds here.
    let module = checker.model.aliases_of(name).iter().find_map(|a| match a {
        // The `data` object is handed to helpers like any value; its attributes are still
        // limited to its allowlist.
        Alias::Module(path) if path != crate::rules::data_object::PATH => Some(path.clone()),
        Alias::Module(_) | Alias::Value(_) => None,
    });
    if let Some(path) = module {
        report(checker, &path, span);
    }
}

pub(crate) fn report(checker: &mut Checker<'_>, path: &str, span: Span) {
    checker.report(
        &ModuleAsValue::RULE,
        span,
        format!("the module `{path}` may only be used through its attributes, not as a value"),
        "refer to the attributes you need directly (pd.DataFrame, np.where, ...)",
    );
}
