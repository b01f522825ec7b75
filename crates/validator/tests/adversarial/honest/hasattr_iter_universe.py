# expect: accept
"""Universe helper that accepts a single ticker or any iterable of tickers."""
import pandas as pd


def as_list(tickers):
    if isinstance(tickers, str) or not hasattr(tickers, "__iter__"):
        return [tickers]
    return list(tickers)


def strategy(data):
    close = data.get("price:close")
    universe = as_list(("AAPL", "MSFT", "NVDA"))
    single = as_list("JPM")
    chosen = close[universe + single]
    momentum = chosen.pct_change(30).iloc[-1]
    weights = momentum.clip(lower=0)
    total = weights.sum()
    return (weights / total).round(4) if total > 0 else weights
