//! Which modules a program imports, for the runner: it preloads exactly those before the
//! sandbox's filters go up, so `print(1)` does not pay for numpy and pandas.
//!
//! ```
//! use stockade_validator::imported_packages;
//!
//! let code = "import numpy as np\ndef f():\n    from pandas import Series\n";
//! let found: Vec<String> = imported_packages(code).into_iter().collect();
//! assert_eq!(found, ["numpy", "pandas"]);
//! ```

use std::collections::BTreeSet;

use rustpython_parser::ast::{Mod, Stmt};

use crate::names::normalise;
use crate::semantic::child_bodies;

/// The top-level packages of every absolute `import` and `from ... import` anywhere in
/// `source` (in functions, classes and branches too), NFKC-normalised as Python does.
///
/// Source that does not parse (or is nested too deeply to parse safely) imports nothing
/// here: the validator rejects it, and run unvalidated it fails the same way in the sandbox.
pub fn imported_packages(source: &str) -> BTreeSet<String> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let mut found = BTreeSet::new();
    // The same guard the validator applies: a hostile nesting depth never reaches the parser.
    if crate::guard::check_depth(source, crate::MAX_NESTING_DEPTH_LIMIT).is_err() {
        return found;
    }
    if let Ok(Mod::Module(module)) =
        rustpython_parser::parse(source, rustpython_parser::Mode::Module, "<strategy>")
    {
        collect(&module.body, &mut found);
    }
    found
}

fn collect(body: &[Stmt], found: &mut BTreeSet<String>) {
    for stmt in body {
        match stmt {
            Stmt::Import(s) => {
                for alias in &s.names {
                    found.insert(top_level(&alias.name));
                }
            }
            // Relative imports (`from . import x`) name no package of the image.
            Stmt::ImportFrom(s) if s.level.map_or(0, |l| l.to_u32()) == 0 => {
                if let Some(module) = &s.module {
                    found.insert(top_level(module));
                }
            }
            _ => {}
        }
        for child in child_bodies(stmt) {
            collect(child, found);
        }
    }
}

fn top_level(dotted: &str) -> String {
    normalise(dotted.split('.').next().unwrap_or_default()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packages(source: &str) -> Vec<String> {
        imported_packages(source).into_iter().collect()
    }

    #[test]
    fn finds_imports_at_any_depth() {
        let code = "import math\nclass C:\n    def m(self):\n        try:\n            import numpy.linalg\n        except Exception:\n            from pandas.api import types\n";
        assert_eq!(packages(code), ["math", "numpy", "pandas"]);
    }

    #[test]
    fn normalises_names_as_python_does() {
        // Python reads `ｎumpy` (fullwidth n) as `numpy`.
        assert_eq!(packages("import \u{ff4e}umpy\n"), ["numpy"]);
    }

    #[test]
    fn relative_and_broken_code_import_nothing() {
        assert!(packages("from . import numpy\n").is_empty());
        assert!(packages("import numpy(\n").is_empty());
        assert!(packages(&format!(
            "x = {}1{}\n",
            "(".repeat(10_000),
            ")".repeat(10_000)
        ))
        .is_empty());
    }

    #[test]
    fn a_bom_is_skipped() {
        assert_eq!(packages("\u{feff}import pandas\n"), ["pandas"]);
    }
}
