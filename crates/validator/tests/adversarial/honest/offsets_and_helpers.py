# expect: accept
"""Quarter-end rebalancing with offsets imported by module path, a report written under a context decorator, and a
few numpy and pandas helpers."""
import io
from contextlib import ContextDecorator
from decimal import Decimal, getcontext, setcontext
from typing import ContextManager, MutableSet

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import BQuarterEnd, Hour


def mean_pair_correlation(close: pd.DataFrame) -> float:
    corr = close.pct_change().corr().to_numpy()
    upper = corr[np.triu_indices_from(corr, k=1)]
    return float(np.nanmean(upper))


class quiet(ContextDecorator):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@quiet()
def report(lines: MutableSet[str]) -> str:
    buffer = io.StringIO()
    guard: ContextManager = quiet()
    with guard:
        for line in sorted(lines):
            buffer.write(line + "\n")
    return buffer.getvalue()


def strategy(data):
    close = data.get("price:close").iloc[-250:, :30]
    step = to_offset("5B")
    quarter_ends = pd.date_range(close.index[0], close.index[-1], freq=BQuarterEnd())
    context = getcontext()
    setcontext(context)
    shifted = close.index[-1] + Hour(1)
    try:
        picked = close.query("index > @shifted")
    except pd.errors.UndefinedVariableError:
        picked = close
    bad = np.isnat(np.array([np.datetime64("NaT")]))
    lines = {f"corr {mean_pair_correlation(close):.3f}", f"quarters {len(quarter_ends)}", f"step {step}"}
    text = report(lines)
    momentum = close.pct_change(20).iloc[-1]
    keep = momentum.nlargest(5).index
    out = pd.DataFrame(False, index=close.index[-1:], columns=close.columns)
    out.loc[:, keep] = bool(text) and bool(bad[0]) and Decimal("1") > 0 and len(picked) >= 0
    return out
