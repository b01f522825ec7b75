# expect: accept
"""Portfolio objects that merge by reading each other's private holdings."""
import pandas as pd


class Portfolio:
    _registry = {}

    def __init__(self, name, weights):
        self._name = name
        self._weights = dict(weights)
        type(self)._registry[name] = self

    def merge(self, other, blend=0.5):
        keys = set(self._weights) | set(other._weights)
        merged = {k: (1 - blend) * self._weights.get(k, 0.0) + blend * other._weights.get(k, 0.0) for k in keys}
        return type(self)(f"{self._name}+{other._name}", merged)

    @classmethod
    def known(cls):
        return sorted(cls._registry)

    def as_series(self):
        return pd.Series(self._weights).sort_index()


def strategy(data):
    close = data.get("price:close")
    mom = close.pct_change(60).iloc[-1]
    rev = -close.pct_change(5).iloc[-1]
    a = Portfolio("mom", (mom.rank() / mom.rank().sum()).to_dict())
    b = Portfolio("rev", (rev.rank() / rev.rank().sum()).to_dict())
    blended = a.merge(b, blend=0.3)
    return {"weights": blended.as_series().round(4).to_dict(), "known": Portfolio.known()}
