# expect: accept
"""Pairs selection by co-movement: rolling correlation of returns."""
import itertools

import pandas as pd

co_movement_window = 60
co_movement_floor = 0.2


def strategy(data):
    close = data.get("price:close")
    returns = close.pct_change().dropna()
    pairs = []
    for a, b in itertools.combinations(returns.columns, 2):
        co_movement = returns[a].rolling(co_movement_window).corr(returns[b]).iloc[-1]
        if co_movement > co_movement_floor:
            pairs.append((a, b, round(float(co_movement), 3)))
    pairs.sort(key=lambda p: -p[2])
    return {"pairs": pairs[:5], "window": co_movement_window}
