"""Everyday idioms of generated strategy code."""
from __future__ import annotations

import functools
import itertools
import math
import operator
import warnings
from collections import namedtuple
from datetime import datetime, timedelta
from typing import Dict, Generic, List, NamedTuple, Optional, Tuple, TypedDict, TypeVar

import numpy as np
import pandas as pd
from finlab import data

warnings.simplefilter("ignore")
np.random.seed(42)
T = TypeVar("T")


class StrategyError(Exception):
    pass


class Bar(NamedTuple):
    open: float
    high: float
    low: float
    close: float


class Settings(TypedDict, total=False):
    window: int


class Box(Generic[T]):
    def __init__(self, item: T) -> None:
        self.item = item

    @property
    def value(self) -> T:
        return self.item

    @classmethod
    def of(cls, item: T) -> "Box[T]":
        return cls(item)

    @staticmethod
    def describe(item) -> str:
        return f"{type(item).__name__}"


@functools.lru_cache(maxsize=None)
def fib(n: int) -> int:
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def zscore(s: pd.Series, window: int = 20) -> pd.Series:
    mean = s.rolling(window).mean()
    std = s.rolling(window).std(ddof=0)
    return (s - mean) / std.replace(0, np.nan)


def strategy(data):
    close = data.get("price:收盤價")
    open_ = data.get("price:開盤價")
    if close.empty:
        raise StrategyError("no data")
    frame = pd.concat({"close": close.iloc[:, 0], "open": open_.iloc[:, 0]}, axis=1)
    frame.columns = [c.lower() for c in frame.columns]
    frame["gap"] = frame["open"] / frame["close"].shift(1) - 1
    frame.loc[:, "z"] = zscore(frame["close"])
    frame = frame.rename(columns=str.upper).rename(columns=str.lower)
    ranked = close.rank(axis=1, pct=True).map(lambda v: round(v, 3) if pd.notna(v) else v)
    monthly = close.resample("ME").agg("last")
    best = max(monthly.columns, key=lambda c: monthly[c].iloc[-1])
    weights = {k: v for k, v in sorted(monthly.iloc[-1].items(), key=operator.itemgetter(1))}
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(close > 0, np.log(close), np.nan)
    pairs = list(itertools.combinations(close.columns[:3], 2))
    total = functools.reduce(operator.add, [1, 2, 3])
    signal = (ranked > 0.8) & (close > close.rolling(60).mean())
    print(f"{best=} {len(pairs)} pairs, total={total}, fib={fib(10)}, ratio={np.nanmean(ratio):.3f}")
    print("{:<10}{:>8.2%}".format(best, weights.get(best, 0.0)), "%.2f" % math.pi)
    return signal.astype(bool)


if __name__ == "__main__":
    Point = namedtuple("Point", ["x", "y"])
    p = Point(1, 2)
    print(p._asdict(), Box.of(3).value, Box.describe(p), Bar(1, 2, 0.5, 1.5).close)
    start = datetime(2024, 1, 1)
    days = [start + timedelta(days=i) for i in range(5)]
    print([d.strftime("%Y-%m-%d") for d in days], isinstance(p, tuple), callable(fib))
    pd.set_option("display.float_format", "{:.2f}".format)
    table: Dict[str, List[Tuple[int, Optional[float]]]] = {"a": [(1, None)]}
    it = iter(table)
    print(next(it, None), dict(zip("ab", range(2))), sorted(table, key=len), id(table) > 0)
