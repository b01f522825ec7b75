# expect: accept
"""Factor plug-ins register themselves by subclassing."""
import pandas as pd


class Factor:
    registry = {}

    def __init_subclass__(cls, name=None, **kwargs):
        super().__init_subclass__(**kwargs)
        Factor.registry[name or cls.__name__.lower()] = cls

    def compute(self, close):
        raise NotImplementedError


class Momentum(Factor, name="mom"):
    def compute(self, close):
        return close.pct_change(60).iloc[-1]


class LowVol(Factor, name="lowvol"):
    def compute(self, close):
        return -close.pct_change().rolling(60).std().iloc[-1]


def strategy(data):
    close = data.get("price:close")
    scores = pd.DataFrame({name: cls().compute(close) for name, cls in Factor.registry.items()})
    composite = scores.rank().mean(axis=1)
    return composite.sort_values(ascending=False).round(2)
