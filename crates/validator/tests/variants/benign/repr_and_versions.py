from enum import Enum
from functools import singledispatch
from typing import List, Literal, Optional

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta
from pandas.tseries.offsets import BDay
import numpy.typing as npt


class Mode(Enum):
    FAST = "fast"
    SLOW = "slow"


class Window:
    def __init__(self, size: int) -> None:
        self.size = size

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size})"


@singledispatch
def describe(x) -> str:
    return str(x)


@describe.register
def _(x: "pd.DataFrame") -> str:
    return f"frame {x.shape}"


def pick(side: Literal["buy", "sell"], values: "List[float]", arr: Optional[npt.NDArray] = None) -> float:
    return max(values) if side == "buy" else min(values)


modes = [m.name for m in Mode.__members__.values()]
print(pd.__version__, np.__version__, Window(5), modes, pick("buy", [1.0, 2.0]))
frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [3.0, 2.0, 1.0]})
summary = frame.agg(["mean", "std", "max"])
named = frame.groupby("a").agg(total=("b", "sum"), peak=("b", "max"))
applied = frame.apply("sum")
monthly = frame.agg({"a": "last", "b": ["min", "max"]})
has_numpy = hasattr(frame, "to_numpy")
next_day = pd.Timestamp("2024-01-05") + BDay(1)
next_month = pd.Timestamp("2024-01-31") + relativedelta(months=1)
print(describe(frame), summary.shape, named.shape, applied.sum(), monthly.shape, has_numpy, next_day, next_month)
