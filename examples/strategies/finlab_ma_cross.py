"""Moving-average crossover with a liquidity filter, written against finlab's data API.

Strategy mode: `from finlab import data` works unchanged; the runner passes the same kind of
object to `strategy`.
"""

from finlab import data
import pandas as pd

FAST = 20
SLOW = 60


def strategy(data):
    close = data.get("price:close")
    volume = data.get("price:volume")
    fast = close.rolling(FAST).mean()
    slow = close.rolling(SLOW).mean()
    trending = (fast > slow) & (close > slow)
    liquid = volume.rolling(FAST).mean() > 500_000
    position = (trending & liquid).astype(float)
    count = position.sum(axis=1)
    return position.div(count.where(count > 0), axis=0).fillna(0.0)


def latest_holdings(position: pd.DataFrame) -> list:
    """The tickers held on the last day, for a quick look at the result."""
    last = position.iloc[-1]
    return sorted(last[last > 0].index)
