# expect: accept
"""Cross-sectional momentum with position and volatility limits.

Holds the top names by 60-day return, caps any single weight and scales the book so
the portfolio's trailing volatility stays near the target.
"""
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class RiskLimits:
    max_weight: float = 0.25
    target_vol: float = 0.15
    lookback: int = 60

    def __post_init__(self):
        if not 0 < self.max_weight <= 1:
            raise ValueError("max_weight must be in (0, 1]")
        # Normalise the target given in percent by mistake.
        if self.target_vol > 1:
            object.__setattr__(self, "target_vol", self.target_vol / 100)


def strategy(data):
    limits = RiskLimits(max_weight=0.3, target_vol=15)
    close = data.get("price:close")
    returns = close.pct_change()
    momentum = close.pct_change(limits.lookback)
    top = momentum.rank(axis=1, ascending=False) <= 3
    weights = top.astype(float)
    weights = weights.div(weights.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0)
    weights = weights.clip(upper=limits.max_weight)
    port_vol = (weights.shift(1) * returns).sum(axis=1).rolling(20).std() * np.sqrt(252)
    scale = (limits.target_vol / port_vol).clip(upper=1.5).fillna(0.0)
    final = weights.mul(scale, axis=0)
    return final.iloc[-1].round(4)
