# expect: accept
"""Execute mode: a signal from synthetic prices (no market data needed)."""
import numpy as np
import pandas as pd

rng = np.random.default_rng(7)
dates = pd.bdate_range("2024-01-01", periods=250)
prices = pd.DataFrame(
    100 * np.exp(np.cumsum(rng.normal(0, 0.01, size=(250, 4)), axis=0)),
    index=dates,
    columns=["A", "B", "C", "D"],
)
fast = prices.ewm(span=12).mean()
slow = prices.ewm(span=26).mean()
macd = fast - slow
trigger = macd.ewm(span=9).mean()
signal = (macd > trigger).astype(int).iloc[-1]
