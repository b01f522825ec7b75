"""Sector-neutral momentum with monthly rebalancing."""
from __future__ import annotations

import math
import statistics
from collections import OrderedDict, defaultdict
from datetime import date, datetime, timedelta
from functools import lru_cache, reduce
from itertools import chain, groupby
from operator import itemgetter

import numpy as np
import pandas as pd

LOOKBACK = 126
SKIP = 21


@lru_cache(maxsize=None)
def trading_days(year: int) -> int:
    return 252 if year % 4 else 253


def sector_neutral(scores: pd.DataFrame, sectors: pd.Series) -> pd.DataFrame:
    grouped = scores.T.groupby(sectors)
    demeaned = grouped.transform(lambda s: s - s.mean())
    return demeaned.T


def monthly(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.resample("ME").last()


def strategy(data):
    close = data.get("price:收盤價")
    sectors = data.get("security_categories:category").iloc[-1]
    momentum = close.shift(SKIP) / close.shift(LOOKBACK) - 1
    neutral = sector_neutral(momentum, sectors)
    ranks = neutral.rank(axis=1, pct=True)
    picks = monthly(ranks > 0.9)
    fundamentals = data.get("fundamental_features:ROE稅後")
    merged = pd.merge(
        picks.stack().rename("pick").reset_index(),
        fundamentals.stack().rename("roe").reset_index(),
        how="left",
        on=["date", "symbol"],
    )
    merged = merged.sort_values(["date", "symbol"]).groupby("symbol", group_keys=False).apply(
        lambda g: g.ffill()
    )
    table = merged.pivot_table(index="date", columns="symbol", values="pick", aggfunc="max")
    weights = table.div(table.sum(axis=1), axis=0).fillna(0.0)
    return weights.reindex(close.index, method="ffill").fillna(0.0)


def summary(returns: list[float]) -> dict:
    mean = statistics.fmean(returns)
    stdev = statistics.pstdev(returns)
    sharpe = mean / stdev * math.sqrt(252) if stdev else float("nan")
    return OrderedDict(mean=mean, stdev=stdev, sharpe=round(sharpe, 3))


def by_month(trades):
    out = defaultdict(list)
    for key, group in groupby(sorted(trades, key=itemgetter(0)), key=itemgetter(0)):
        out[key].extend(g[1] for g in group)
    flat = list(chain.from_iterable(out.values()))
    total = reduce(lambda a, b: a + b, flat, 0)
    return out, total


start = date(2024, 1, 1)
end = datetime(2024, 6, 30) + timedelta(days=1)
days = (end.date() - start).days
print(f"{days} calendar days, {trading_days(2024)} trading days, {summary([0.01, -0.02, 0.015])}")
print(by_month([("2024-01", 1.0), ("2024-01", 2.0), ("2024-02", 3.0)]))
