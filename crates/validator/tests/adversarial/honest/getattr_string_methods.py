# expect: accept
"""Clean ticker labels with a configurable list of str methods."""
import pandas as pd

CLEANERS = ["strip", "upper"]


def clean(label):
    for method in CLEANERS:
        label = getattr(label, method)()
    return label


def strategy(data):
    close = data.get("price:close")
    raw = [" aapl", "msft ", " nvda "]
    wanted = [clean(t) for t in raw]
    subset = close[wanted]
    return subset.pct_change(10).iloc[-1].round(4)
