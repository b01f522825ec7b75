# expect: reject  class: sink-values  target: write-outside-tmp
"""Volatility report piped straight into the writer."""
import numpy as np
import pandas as pd


def strategy(data):
    close = data.get("price:close")
    vol = close.pct_change().rolling(20).std() * np.sqrt(252)
    vol.tail(5).pipe(pd.DataFrame.to_csv, "/var/lib/stockade_vol.csv")
    return vol.iloc[-1]
