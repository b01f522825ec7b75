# expect: accept
"""A tiny immutable vector of weights with arithmetic that keeps its type."""
import pandas as pd


class Weights:
    def __init__(self, values):
        self.values = dict(values)

    def __add__(self, other):
        keys = set(self.values) | set(other.values)
        return type(self)({k: self.values.get(k, 0) + other.values.get(k, 0) for k in keys})

    def __mul__(self, k):
        return type(self)({t: v * k for t, v in self.values.items()})

    def __eq__(self, other):
        return isinstance(other, Weights) and self.values == other.values

    __hash__ = None

    def __repr__(self):
        return f"Weights({self.values})"


class LongOnly(Weights):
    def clipped(self):
        return type(self)({t: max(v, 0) for t, v in self.values.items()})


def strategy(data):
    close = data.get("price:close")
    a = LongOnly(close.pct_change(20).iloc[-1].to_dict())
    b = LongOnly((-close.pct_change(5).iloc[-1]).to_dict())
    blend = (a * 0.7 + b * 0.3).clipped()
    assert isinstance(blend, LongOnly)
    return pd.Series(blend.values).round(4)
