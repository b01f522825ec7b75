# expect: accept
"""Comparable score objects via functools.total_ordering."""
from functools import total_ordering

import pandas as pd


@total_ordering
class Score:
    def __init__(self, ticker, value):
        self.ticker = ticker
        self.value = value

    def __eq__(self, other):
        return self.value == other.value

    def __lt__(self, other):
        return self.value < other.value

    def __hash__(self):
        return hash(self.ticker)


def strategy(data):
    close = data.get("price:close")
    scores = [Score(t, float(v)) for t, v in close.pct_change(30).iloc[-1].items()]
    best = max(scores)
    ordered = [s.ticker for s in sorted(scores, reverse=True)]
    return {"best": best.ticker, "order": ordered, "unique": len(set(scores))}
