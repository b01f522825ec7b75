"""Cross-sectional momentum: hold the stocks with the strongest 12-1 month return.

Strategy mode: the runner calls `strategy(data)`; `data.get` returns a DataFrame of daily
closing prices (dates down, tickers across).
"""

import numpy as np
import pandas as pd

LOOKBACK_DAYS = 252
SKIP_DAYS = 21
HOLDINGS = 10


def strategy(data):
    close = data.get("price:close")
    # Skip the most recent month: short-term returns tend to reverse.
    momentum = close.shift(SKIP_DAYS) / close.shift(LOOKBACK_DAYS) - 1
    rank = momentum.rank(axis=1, ascending=False)
    selected = (rank <= HOLDINGS) & momentum.notna()
    weights = selected.astype(float)
    weights = weights.div(weights.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0)
    # Rebalance at month ends only, holding the weights in between.
    month_end = pd.Series(close.index, index=close.index).dt.is_month_end
    return weights.where(month_end, np.nan).ffill().fillna(0.0)
