//! Kinds of sandbox container, by what their harness imports before its filters go up.
//!
//! Importing numpy and pandas costs a fresh container most of its start-up CPU, so a container
//! preloads only what its code needs: the runner reads the code's imports
//! ([`stockade_validator::imported_packages`]) and picks the cheapest kind that covers them.
//! The kind travels to the harness as `STOCKADE_PRELOAD` (see `config/image/harness.py`,
//! which holds the fixed list of modules for each kind: nothing taken from the code is
//! imported before the filters).
//!
//! ```
//! use stockade_runner::executor::preload::Preload;
//!
//! assert_eq!(Preload::needed_by("print(1)\n", false), Preload::Plain);
//! assert_eq!(Preload::needed_by("import numpy as np\n", false), Preload::Numpy);
//! assert_eq!(Preload::needed_by("import math\n", true), Preload::Pandas);
//! assert!(Preload::Pandas.covers(Preload::Plain));
//! ```

use std::fmt;

/// What a container's harness has imported before the request arrives, cheapest first. A
/// kind covers every kind before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Preload {
    /// The harness's own modules only.
    Plain,
    /// numpy.
    Numpy,
    /// numpy, pandas, pyarrow and the market-data loader (what every strategy needs): the
    /// harness's default, and what it loaded before kinds existed.
    Pandas,
}

/// Packages a `Plain` container imports on demand, after its filters are up, exactly as it
/// did when pandas was always preloaded: the standard-library modules of the default import
/// allowlist, `sys`, and `dateutil` (pure Python). An import outside this list and not named below
/// (an operator's extra package, say) gets the `Pandas` kind, where everything loads as it
/// always did.
const LIGHT: &[&str] = &[
    "__future__",
    "abc",
    "bisect",
    "calendar",
    "cmath",
    "collections",
    "contextlib",
    "copy",
    "dataclasses",
    "datetime",
    "dateutil",
    "decimal",
    "enum",
    "fractions",
    "functools",
    "heapq",
    "io",
    "itertools",
    "json",
    "math",
    "numbers",
    "operator",
    "pprint",
    "random",
    "re",
    "statistics",
    "string",
    // Built into the interpreter, loaded before any code runs.
    "sys",
    "textwrap",
    "time",
    "types",
    "typing",
    "warnings",
    "zoneinfo",
];

impl Preload {
    /// Every kind, cheapest first.
    pub const ALL: [Preload; 3] = [Preload::Plain, Preload::Numpy, Preload::Pandas];

    /// The cheapest kind that runs `code`; `strategy`: it runs in strategy mode, whose data
    /// object is made of pandas frames.
    pub fn needed_by(code: &str, strategy: bool) -> Preload {
        if strategy {
            return Preload::Pandas;
        }
        stockade_validator::imported_packages(code)
            .iter()
            .map(|package| match package.as_str() {
                "numpy" => Preload::Numpy,
                p if LIGHT.contains(&p) => Preload::Plain,
                _ => Preload::Pandas,
            })
            .max()
            .unwrap_or(Preload::Plain)
    }

    /// Whether a container of this kind can run code that needs `needed`.
    pub fn covers(self, needed: Preload) -> bool {
        self >= needed
    }

    /// The value of `STOCKADE_PRELOAD` for the harness.
    pub fn as_str(self) -> &'static str {
        match self {
            Preload::Plain => "plain",
            Preload::Numpy => "numpy",
            Preload::Pandas => "pandas",
        }
    }

    /// Position in [`Preload::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Preload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cheapest_kind_that_covers_every_import() {
        assert_eq!(Preload::needed_by("", false), Preload::Plain);
        assert_eq!(
            Preload::needed_by("import math, json\nfrom collections import deque\n", false),
            Preload::Plain
        );
        assert_eq!(
            Preload::needed_by("import math\ndef f():\n    import numpy.linalg\n", false),
            Preload::Numpy
        );
        assert_eq!(
            Preload::needed_by("import numpy\nfrom pandas import Series\n", false),
            Preload::Pandas
        );
        assert_eq!(
            Preload::needed_by("import finlab\n", false),
            Preload::Pandas
        );
    }

    #[test]
    fn unknown_packages_and_strategies_load_everything() {
        assert_eq!(Preload::needed_by("import scipy\n", false), Preload::Pandas);
        assert_eq!(Preload::needed_by("print(1)\n", true), Preload::Pandas);
    }

    #[test]
    fn kinds_cover_the_cheaper_ones() {
        for (i, a) in Preload::ALL.iter().enumerate() {
            assert_eq!(a.index(), i);
            for b in Preload::ALL {
                assert_eq!(a.covers(b), b <= *a);
            }
        }
    }
}
