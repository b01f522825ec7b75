# expect: accept
"""Expanding-window Sharpe ratio to pick the most consistent names."""
import numpy as np
import pandas as pd


def strategy(data):
    close = data.get("price:close")
    ret = close.pct_change()
    sharpe = ret.expanding(min_periods=60).mean() / ret.expanding(min_periods=60).std() * np.sqrt(252)
    latest = sharpe.iloc[-1].sort_values(ascending=False)
    return latest.head(4).round(3)
