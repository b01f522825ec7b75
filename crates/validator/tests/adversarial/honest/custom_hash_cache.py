# expect: accept
"""Memoised indicator computation keyed by a hashable parameter object."""
import pandas as pd


class Params:
    __slots__ = ("window", "kind")

    def __init__(self, window, kind="sma"):
        self.window = window
        self.kind = kind

    def __eq__(self, other):
        return isinstance(other, Params) and (self.window, self.kind) == (other.window, other.kind)

    def __hash__(self):
        return hash((self.window, self.kind))


class IndicatorCache:
    _store = {}

    @classmethod
    def get(cls, close, params):
        if params not in cls._store:
            if params.kind == "sma":
                cls._store[params] = close.rolling(params.window).mean()
            else:
                cls._store[params] = close.ewm(span=params.window).mean()
        return cls._store[params]


def strategy(data):
    close = data.get("price:close")
    fast = IndicatorCache.get(close, Params(10))
    slow = IndicatorCache.get(close, Params(50, "ema"))
    again = IndicatorCache.get(close, Params(10))
    assert again is fast
    return (fast > slow).iloc[-1].astype(int)
