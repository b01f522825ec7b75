# expect: accept
"""Order quantities rounded to lot sizes with Decimal."""
from decimal import ROUND_DOWN, Decimal

import pandas as pd

LOT = Decimal("10")
BUDGET = Decimal("250000")


def strategy(data):
    close = data.get("price:close")
    weights = close.pct_change(20).iloc[-1].clip(lower=0)
    weights = weights / weights.sum()
    orders = {}
    for ticker, w in weights.items():
        price = Decimal(str(round(close[ticker].iloc[-1], 2)))
        raw = BUDGET * Decimal(str(round(w, 6))) / price
        lots = (raw / LOT).quantize(Decimal("1"), rounding=ROUND_DOWN)
        orders[ticker] = int(lots * LOT)
    return orders
