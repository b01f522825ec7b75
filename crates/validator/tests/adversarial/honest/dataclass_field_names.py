# expect: accept
"""A dataclass whose field names are listed, beside ordinary stores on frames."""
import dataclasses

import pandas as pd


@dataclasses.dataclass
class Order:
    symbol: str
    qty: int = 0


def strategy(data):
    close = data.get("price:close")
    names = [f.name for f in dataclasses.fields(Order)]
    close.index.name = "date"
    o = Order("2330", 1)
    o.qty = 2
    return close > 0
