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
//! assert_eq!(Preload::needed_by("import pandas as pd\n", false), Preload::Pandas);
//! assert_eq!(Preload::needed_by("import math\n", true), Preload::Full);
//! assert!(Preload::Full.covers(Preload::Pandas));
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
    /// numpy and pandas, with pandas imported while pyarrow cannot be (about a sixth of
    /// pandas' import CPU): pandas then runs without its Arrow-backed types, which only code
    /// that names them, or Parquet, Feather or ORC, can reach (see [`ARROW_WORDS`]).
    Pandas,
    /// numpy, pandas with pyarrow, the Parquet reader and the market-data loader (what every
    /// strategy needs): the harness's default, and what it loaded before kinds existed.
    Full,
}

/// Words whose presence anywhere in the code (an identifier, an attribute, a string) gives
/// pandas code the [`Preload::Full`] kind: pandas decides at import whether pyarrow is there,
/// so code that may use Arrow-backed dtypes or Arrow file formats must find it preloaded.
/// Matched as substrings, without case: a false match costs only the heavier container.
const ARROW_WORDS: &[&str] = &[
    "arrow",
    "parquet",
    "feather",
    "_orc",
    "infer_string",
    "string_storage",
];

/// Packages a `Plain` container imports on demand, after its filters are up, exactly as it
/// did when pandas was always preloaded: the standard-library modules of the default import
/// allowlist, `sys`, and `dateutil` (pure Python). An import outside this list and not named below
/// (an operator's extra package, say) gets the `Full` kind, where everything loads as it
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
    pub const ALL: [Preload; 4] = [
        Preload::Plain,
        Preload::Numpy,
        Preload::Pandas,
        Preload::Full,
    ];

    /// How many kinds there are.
    pub const COUNT: usize = Preload::ALL.len();

    /// The cheapest kind that runs `code`; `strategy`: it runs in strategy mode, whose data
    /// object is made of pandas frames.
    pub fn needed_by(code: &str, strategy: bool) -> Preload {
        if strategy {
            return Preload::Full;
        }
        let needed = stockade_validator::imported_packages(code)
            .iter()
            .map(|package| match package.as_str() {
                "numpy" => Preload::Numpy,
                "pandas" => Preload::Pandas,
                p if LIGHT.contains(&p) => Preload::Plain,
                _ => Preload::Full,
            })
            .max()
            .unwrap_or(Preload::Plain);
        if needed == Preload::Pandas && mentions_arrow(code) {
            return Preload::Full;
        }
        needed
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
            Preload::Full => "full",
        }
    }

    /// Position in [`Preload::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

fn mentions_arrow(code: &str) -> bool {
    let lower = code.to_ascii_lowercase();
    ARROW_WORDS.iter().any(|word| lower.contains(word))
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
        assert_eq!(Preload::needed_by("import finlab\n", false), Preload::Full);
    }

    #[test]
    fn unknown_packages_and_strategies_load_everything() {
        assert_eq!(Preload::needed_by("import scipy\n", false), Preload::Full);
        assert_eq!(Preload::needed_by("import pyarrow\n", false), Preload::Full);
        assert_eq!(Preload::needed_by("print(1)\n", true), Preload::Full);
    }

    #[test]
    fn pandas_code_that_may_reach_arrow_gets_pyarrow() {
        for code in [
            "import pandas as pd\ndf = pd.read_parquet('/tmp/x')\n",
            "import pandas as pd\ns = pd.Series(['a'], dtype='string[pyarrow]')\n",
            "import pandas as pd\npd.DataFrame().to_feather('/tmp/x')\n",
            "import pandas as pd\npd.read_orc('/tmp/x')\n",
            "import pandas as pd\npd.options.future.infer_string = True\n",
            "import pandas as pd\npd.set_option('mode.string_storage', s)\n",
            "import pandas as pd\nt = pd.ArrowDtype\n",
        ] {
            assert_eq!(Preload::needed_by(code, false), Preload::Full, "{code}");
        }
        // Without pandas the words mean nothing: numpy and plain code stay cheap.
        assert_eq!(
            Preload::needed_by("import numpy\nname = 'parquet'\n", false),
            Preload::Numpy
        );
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
