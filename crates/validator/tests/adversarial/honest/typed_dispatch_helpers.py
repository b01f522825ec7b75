# expect: accept
"""Type aliases, a TypeVar, singledispatch on annotations and the usual decorators."""
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import singledispatch, total_ordering, wraps
from typing import Annotated, Dict, Generic, List, Literal, Optional, Tuple, TypeVar, final

import numpy as np
import pandas as pd

Window = Tuple[int, int]
Weights = Dict[str, float]
MaybeFrame = Optional[pd.DataFrame] | None
T = TypeVar("T")


def logged(fn):
    @wraps(fn)
    def inner(*args, **kwargs):
        return fn(*args, **kwargs)

    return inner


@singledispatch
def describe(x) -> str:
    return type(x).__name__


@describe.register
def _(x: pd.DataFrame) -> str:
    return f"frame {x.shape}"


@describe.register
def _(x: "pd.Series") -> str:
    return f"series {len(x)}"


@describe.register(np.ndarray)
def _(x) -> str:
    return f"array {x.shape}"


class Sizer(ABC):
    @abstractmethod
    def size(self, score: float) -> float:
        ...


@final
class Linear(Sizer):
    def size(self, score: float) -> float:
        return max(-1.0, min(1.0, score))


@total_ordering
@dataclass(frozen=True)
class Rank(Generic[T]):
    ticker: str
    score: Annotated[float, "z-score"]
    side: Literal["long", "short"] = "long"
    tags: List[str] = field(default_factory=list)

    def __lt__(self, other: "Rank") -> bool:
        return self.score < other.score


@logged
def weights(close: pd.DataFrame, window: Window = (5, 20), prior: MaybeFrame = None) -> Weights:
    fast, slow = window
    score = (close.rolling(fast).mean() / close.rolling(slow).mean() - 1).iloc[-1].fillna(0)
    sizer = Linear()
    ranks = sorted(Rank(t, float(s)) for t, s in score.items())
    kinds = [describe(close), describe(score), describe(score.to_numpy())]
    out: Weights = {r.ticker: round(sizer.size(r.score * 10), 3) for r in ranks}
    return out if kinds else {}


def strategy(data):
    close = data.get("price:close")
    return pd.Series(weights(close))
