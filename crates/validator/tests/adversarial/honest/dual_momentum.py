# expect: accept
"""Dual momentum: absolute trend filter plus relative strength."""
import pandas as pd

LOOKBACK = 120


def strategy(data):
    close = data.get("price:close")
    rel = close.pct_change(LOOKBACK).iloc[-1]
    absolute_ok = rel > 0
    ranked = rel[absolute_ok].sort_values(ascending=False)
    picks = ranked.head(2).index.tolist()
    weights = pd.Series(0.0, index=close.columns)
    if picks:
        weights[picks] = 1.0 / len(picks)
    return weights
