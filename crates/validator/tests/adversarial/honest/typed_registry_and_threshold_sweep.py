# expect: accept
"""A typed strategy registry, a timing decorator typed with ParamSpec, a guarded solve, and
a sweep of query thresholds."""
import functools
import time
from typing import Callable, ParamSpec, TypeVar

import numpy as np
import pandas as pd

P = ParamSpec("P")
R = TypeVar("R")


def timed(fn: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            _ = time.perf_counter() - start

    return wrapper


class Rule:
    name = "base"

    def score(self, close: pd.DataFrame) -> pd.Series:
        raise NotImplementedError


REGISTRY: dict[str, type[Rule]] = {}


def register(cls: type[Rule]) -> type[Rule]:
    REGISTRY[cls.name] = cls
    return cls


@register
class Momentum(Rule):
    name = "momentum"

    def score(self, close: pd.DataFrame) -> pd.Series:
        return close.pct_change(5).iloc[-1]


def min_variance(cov: np.ndarray, errors: tuple[type[Exception], ...] = (ValueError,)) -> np.ndarray:
    try:
        inv = np.linalg.inv(cov)
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(cov)
    ones = np.ones(len(cov))
    w = inv @ ones
    return w / w.sum()


@timed
def sweep(frame: pd.DataFrame) -> dict[float, int]:
    counts = {}
    for t in [0.0, 0.01, -0.01]:
        counts[t] = len(frame.query(f"ret > {t}"))
    for k in range(3):
        counts[float(k)] = len(frame.query(f"rank <= {k}"))
    return counts


def strategy(data):
    close = data.get("price:close").iloc[-60:, :20]
    scores = REGISTRY["momentum"]().score(close).dropna()
    frame = pd.DataFrame({"ret": scores, "rank": scores.rank(ascending=False)})
    frame.columns = ["ret", "rank"]
    counts = sweep(frame)
    weights = min_variance(np.cov(close.pct_change().dropna().to_numpy().T))
    picks = scores.nlargest(max(1, counts[0.0] // 2)).index
    out = pd.DataFrame(False, index=close.index[-1:], columns=close.columns)
    out.loc[:, picks] = bool(len(weights))
    return out
