# expect: accept
"""Trailing stop simulated bar by bar with a bounded deque of recent highs."""
from collections import deque

import pandas as pd

TRAIL = 0.07


def run(prices, lookback=10):
    highs = deque(maxlen=lookback)
    in_position, exits = True, []
    for date, px in prices.items():
        highs.append(px)
        if in_position and px < max(highs) * (1 - TRAIL):
            in_position = False
            exits.append(str(date.date()))
        elif not in_position and px >= max(highs):
            in_position = True
    return in_position, exits


def strategy(data):
    close = data.get("price:close")
    result = {t: run(close[t]) for t in ["AAPL", "NVDA", "TSLA"]}
    return {t: {"holding": h, "exits": e[-3:]} for t, (h, e) in result.items()}
