# expect: accept
"""A holdings report object with __repr__, __len__ and __iter__."""
import pandas as pd


class Holdings:
    def __init__(self, weights):
        self._weights = weights[weights > 0].sort_values(ascending=False)

    def __len__(self):
        return len(self._weights)

    def __iter__(self):
        return iter(self._weights.items())

    def __repr__(self):
        return f"Holdings({len(self)} names)"


def strategy(data):
    close = data.get("price:close")
    mom = close.pct_change(20).iloc[-1]
    holdings = Holdings(mom / mom.abs().sum())
    if len(holdings) == 0:
        return {}
    return {"repr": repr(holdings), "items": {t: round(float(w), 4) for t, w in holdings}}
