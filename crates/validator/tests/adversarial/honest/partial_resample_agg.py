# expect: accept
"""Monthly OHLC-style summary with named aggregations."""
import functools

import pandas as pd


def pct(q, s):
    return s.quantile(q)


def strategy(data):
    close = data.get("price:close")
    s = close["NVDA"]
    p90 = functools.partial(pct, 0.9)
    monthly = s.resample("M").agg(["first", "max", "min", "last", p90])
    monthly["ret"] = monthly["last"] / monthly["first"] - 1
    return monthly.tail(4).round(3)
