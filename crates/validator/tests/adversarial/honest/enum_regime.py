# expect: accept
"""Market regimes as an Enum, each with its own allocation."""
from enum import Enum

import pandas as pd


class Regime(Enum):
    BULL = "bull"
    BEAR = "bear"
    CHOP = "chop"

    def allocation(self):
        return {"bull": 1.0, "bear": 0.2, "chop": 0.5}[self.value]


def classify(index_level):
    trend = index_level.iloc[-1] / index_level.rolling(100).mean().iloc[-1] - 1
    if trend > 0.03:
        return Regime.BULL
    if trend < -0.03:
        return Regime.BEAR
    return Regime.CHOP


def strategy(data):
    close = data.get("price:close")
    index_level = (close / close.iloc[0]).mean(axis=1)
    regime = classify(index_level)
    weights = pd.Series(regime.allocation() / close.shape[1], index=close.columns)
    return {"regime": regime.name, "weights": weights.round(4).to_dict()}
