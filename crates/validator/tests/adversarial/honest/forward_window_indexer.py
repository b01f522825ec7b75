# expect: accept
"""Label future returns with a forward-looking rolling window (pd.api.indexers)."""
import pandas as pd

HORIZON = 5


def strategy(data):
    close = data.get("price:close")
    indexer = pd.api.indexers.FixedForwardWindowIndexer(window_size=HORIZON)
    future_max = close.rolling(window=indexer, min_periods=1).max()
    upside = future_max / close - 1
    momentum = close.pct_change(20)
    corr = momentum.iloc[:-HORIZON].corrwith(upside.iloc[:-HORIZON])
    return corr.round(3)
