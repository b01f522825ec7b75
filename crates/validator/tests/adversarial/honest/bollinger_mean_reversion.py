# expect: accept
"""Bollinger-band mean reversion with a stop-loss."""
import numpy as np
import pandas as pd

WINDOW = 20
WIDTH = 2.0
STOP = -0.08


def strategy(data):
    close = data.get("price:close")
    mid = close.rolling(WINDOW).mean()
    band = close.rolling(WINDOW).std() * WIDTH
    lower, upper = mid - band, mid + band
    entries = close < lower
    exits = close > mid
    position = pd.DataFrame(np.nan, index=close.index, columns=close.columns)
    position[entries] = 1.0
    position[exits] = 0.0
    position = position.ffill().fillna(0.0)
    entry_px = close.where(entries).ffill()
    stopped = (close / entry_px - 1) < STOP
    position = position.mask(stopped & (position > 0), 0.0)
    return position.iloc[-5:].astype(int)
