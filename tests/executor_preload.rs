//! Containers preload only what their code imports, and the warm pool hands each request the
//! cheapest kind that covers it (real engine and image). What was preloaded is read from
//! `sys.modules` inside the sandbox, before the code's own imports run.

mod executor_common;

use std::time::Duration;

use executor_common::{executor, root};
use serde_json::{json, Value};
use stockade_runner::executor::preload::Preload;
use stockade_runner::executor::ExecOptions;
use stockade_runner::metrics::Metrics;
use stockade_runner::pool::Pool;

/// The heavy libraries loaded when the code starts. Needs `sys` (refused by the validator),
/// so these run unvalidated; the code's own imports come after this line.
/// A module kept out of a kind is in `sys.modules` as `None`; pyarrow is spelt in two parts
/// because naming it gives pandas code the full kind.
const LOADED: &str = "import sys\nsignal = sorted(m for m in ('numpy', 'pandas', 'pya' + 'rrow', 'finlab') if sys.modules.get(m))\n";

fn unvalidated() -> ExecOptions {
    ExecOptions {
        validate: false,
        ..Default::default()
    }
}

async fn loaded_at_start(code_imports: &str) -> Value {
    let r = executor()
        .await
        .execute(&format!("{LOADED}{code_imports}"), unvalidated())
        .await;
    assert!(r.success, "{r:?}");
    r.signal
}

#[tokio::test]
async fn plain_code_loads_no_numeric_library() {
    assert_eq!(loaded_at_start("").await, json!([]));
    assert_eq!(loaded_at_start("import math, json\n").await, json!([]));
}

#[tokio::test]
async fn numpy_code_loads_numpy_only() {
    assert_eq!(
        loaded_at_start("import numpy as np\n").await,
        json!(["numpy"])
    );
}

#[tokio::test]
async fn pandas_code_loads_numpy_and_pandas_without_arrow() {
    assert_eq!(
        loaded_at_start("def f():\n    from pandas import Series\n").await,
        json!(["numpy", "pandas"])
    );
}

/// The `pandas` kind runs pandas as if pyarrow were not installed: pandas works, and code that
/// reaches Arrow under a computed name (possible only unvalidated) gets pandas' own error for a
/// missing pyarrow, on the default image as on modern, where a late pyarrow would break pandas.
#[tokio::test]
async fn pandas_without_arrow_works_and_says_pyarrow_is_missing() {
    let code = "import pandas as pd\n\
        df = pd.DataFrame({'a': [1.0, 2.0, 3.0]}, index=pd.date_range('2024-01-01', periods=3))\n\
        fmt = 'par' + 'quet'\n\
        try:\n    getattr(df, 'to_' + fmt)('/tmp/f')\n    error = None\n\
        except ImportError as e:\n    error = str(e)\n\
        signal = [float(df.rolling(2).mean()['a'].iloc[-1]), error]\n";
    let r = executor().await.execute(code, unvalidated()).await;
    assert!(r.success, "{r:?}");
    assert_eq!(r.signal[0], json!(2.5));
    assert!(
        r.signal[1].as_str().is_some_and(|e| e.contains("pyarrow")),
        "{r:?}"
    );
}

/// pandas code that names an Arrow type or file format gets pyarrow preloaded, so pandas
/// knows it is there.
#[tokio::test]
async fn pandas_code_that_names_arrow_gets_the_full_stack() {
    let r = executor()
        .await
        .execute(
            &format!("{LOADED}import pandas as pd\nsignal = [signal, str(pd.Series(['x'], dtype='string[pyarrow]').dtype)]\n"),
            unvalidated(),
        )
        .await;
    assert!(r.success, "{r:?}");
    assert_eq!(
        r.signal,
        json!([["finlab", "numpy", "pandas", "pyarrow"], "string"])
    );
}

#[tokio::test]
async fn strategies_get_the_data_loader_preloaded() {
    let code = "import sys\nloaded = sorted(m for m in ('numpy', 'pandas', 'pyarrow', 'finlab') if m in sys.modules)\n\ndef strategy(data):\n    return [loaded, float(data.get('price:收盤價').iloc[-1].sum()) > 0]\n";
    let r = executor()
        .await
        .execute_strategy(code, &root().join("tests/harness/data"), unvalidated())
        .await;
    assert!(r.success, "{r:?}");
    assert_eq!(
        r.signal,
        json!([["finlab", "numpy", "pandas", "pyarrow"], true])
    );
}

/// Every standard module the default policy allows imports and works in a plain container,
/// after the filters are up (where pandas used to have loaded some of them already).
#[tokio::test]
async fn allowed_standard_modules_import_in_a_plain_container() {
    let code = "import __future__, abc, bisect, calendar, cmath, collections, collections.abc, contextlib, copy, dataclasses, datetime, dateutil.parser, dateutil.relativedelta, decimal, enum, fractions, functools, heapq, io, itertools, json, math, numbers, operator, pprint, random, re, statistics, string, textwrap, time, types, typing, warnings, zoneinfo\n\
        signal = [\n\
            'numpy' in sys.modules,\n\
            str(decimal.Decimal('1.1') + decimal.Decimal('2.2')),\n\
            statistics.median([3, 1, 2]),\n\
            dateutil.parser.parse('2024-01-02').isoformat(),\n\
            str(datetime.datetime(2024, 1, 1, tzinfo=zoneinfo.ZoneInfo('Asia/Taipei')).utcoffset()),\n\
            str(fractions.Fraction(1, 3) * 3),\n\
        ]\n";
    let r = executor()
        .await
        .execute(&format!("import sys\n{code}"), unvalidated())
        .await;
    assert!(r.success, "{r:?}");
    assert_eq!(
        r.signal,
        json!([false, "3.3", 2, "2024-01-02T00:00:00", "8:00:00", "1"])
    );
}

/// The library a plain container did not preload is not reachable around the import list:
/// what the audit hook refuses stays refused.
#[tokio::test]
async fn a_plain_container_still_refuses_denied_modules() {
    let r = executor()
        .await
        .execute("m = __import__('ctypes')\nsignal = 1\n", unvalidated())
        .await;
    assert!(!r.success, "{r:?}");
    assert!(
        r.error.as_deref().is_some_and(|e| e.contains("ctypes")),
        "{r:?}"
    );
}

/// A result made of numpy and pandas values still encodes as before.
#[tokio::test]
async fn numeric_results_encode_in_every_kind() {
    let ex = executor().await;
    let r = ex
        .execute(
            "import numpy as np\nsignal = [np.int64(3), np.float32(0.5), np.arange(3), np.datetime64('NaT')]\n",
            ExecOptions::default(),
        )
        .await;
    assert!(r.success, "{r:?}");
    assert_eq!(r.signal, json!([3, 0.5, [0, 1, 2], null]));
    let r = ex
        .execute(
            "import pandas as pd\nsignal = [pd.Series([1.5], index=['a']), pd.Timestamp('2024-01-02'), pd.NaT]\n",
            ExecOptions::default(),
        )
        .await;
    assert!(r.success, "{r:?}");
    assert_eq!(
        r.signal,
        json!([{"__type__": "series", "name": null, "index": ["a"], "data": [1.5]}, "2024-01-02T00:00:00", null])
    );
}

async fn wait_for(pool: &Pool, ready: [usize; Preload::COUNT]) {
    for _ in 0..600 {
        if pool.ready_by_kind() == ready {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("pool never reached {ready:?}: {:?}", pool.ready_by_kind());
}

#[tokio::test]
async fn the_pool_serves_the_cheapest_kind_and_follows_demand() {
    let ex = executor().await;
    let metrics: &'static Metrics = Box::leak(Box::new(Metrics::new()));
    let pool = Pool::new(ex.clone(), 2, metrics);
    pool.start();
    // Before any request: containers that run everything.
    wait_for(&pool, [0, 0, 0, 2]).await;

    let plain = ex
        .spec_for_code("print(1)\n", &ExecOptions::default(), None)
        .expect("spec");
    assert_eq!(plain.preload, Preload::Plain);
    // Nothing cheaper is ready yet: a full container covers plain code.
    let first = pool.take(&plain).await.expect("a warm container");
    assert_eq!(first.spec().preload, Preload::Full);
    drop(first);
    // Demand so far is all plain: the pool turns over to plain containers.
    wait_for(&pool, [2, 0, 0, 0]).await;
    assert_eq!(pool.targets(), [2, 0, 0, 0]);
    let second = pool.take(&plain).await.expect("a warm container");
    assert_eq!(second.spec().preload, Preload::Plain);
    let r = ex
        .run_prepared(second, LOADED, unvalidated(), Vec::new())
        .await;
    assert!(r.success, "{r:?}");
    assert_eq!(r.signal, json!([]));

    // pandas code never gets a container that lacks pandas.
    let pandas = ex
        .spec_for_code("import pandas\n", &ExecOptions::default(), None)
        .expect("spec");
    assert_eq!(pandas.preload, Preload::Pandas);
    wait_for(&pool, [2, 0, 0, 0]).await;
    assert!(pool.take(&pandas).await.is_none());
    // Half the demand is now pandas: so is half the pool.
    wait_for(&pool, [1, 0, 1, 0]).await;
    let third = pool.take(&pandas).await.expect("a warm container");
    assert_eq!(third.spec().preload, Preload::Pandas);
    drop(third);
    pool.drain();
    assert!(ex.settle(Duration::from_secs(60)).await);
}
