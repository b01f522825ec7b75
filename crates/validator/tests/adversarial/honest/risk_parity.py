# expect: accept
"""Inverse-volatility (naive risk parity) weights, rebalanced monthly."""
import numpy as np
import pandas as pd


def strategy(data):
    close = data.get("price:close")
    vol = close.pct_change().rolling(60).std()
    inv = 1 / vol.replace(0, np.nan)
    weights = inv.div(inv.sum(axis=1), axis=0)
    month_end = weights.resample("M").last()
    latest = month_end.dropna(how="all").iloc[-1]
    return latest.round(4)
