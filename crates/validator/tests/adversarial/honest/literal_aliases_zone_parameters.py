# expect: accept
"""A Literal alias, an Annotated alias and zones passed through parameters and attributes."""
from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
import pandas as pd

Side = Literal["buy", "sell"]
Price = Annotated[float, "quote currency"]
MARKET_ZONE = "America/New_York"


@dataclass(frozen=True)
class Order:
    side: Side
    price: Price
    size: int = 1


class Session:
    def __init__(self, tz: str = MARKET_ZONE) -> None:
        self.tz = tz

    def calendar(self, start: str, days: int) -> pd.DatetimeIndex:
        return pd.date_range(start, periods=days, freq="D", tz=self.tz)


def session_index(start: str, days: int, tz: str = "UTC") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=days, freq="D", tz=tz)


def decide(close: pd.Series, side: Side = "buy") -> Order:
    price: Price = float(close.iloc[-1])
    return Order(side=side, price=price)


index = session_index("2024-01-01", 30, tz=MARKET_ZONE)
close = pd.Series(np.linspace(100.0, 110.0, len(index)), index=index)
hours = Session().calendar("2024-01-01", 5)
order = decide(close, "sell" if close.iloc[-1] < close.iloc[0] else "buy")
signal = 1.0 if order.side == "buy" and len(hours) == 5 else -1.0
