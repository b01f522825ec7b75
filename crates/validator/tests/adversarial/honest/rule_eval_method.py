# expect: accept
"""Rule engine: each rule object has an eval() that returns a boolean mask."""
from dataclasses import dataclass

import pandas as pd


@dataclass
class Rule:
    name: str
    window: int
    above: bool = True

    def eval(self, close):
        average = close.rolling(self.window).mean()
        return close > average if self.above else close < average


def strategy(data):
    close = data.get("price:close")
    rules = [Rule("trend", 50), Rule("short_dip", 5, above=False)]
    masks = [rule.eval(close) for rule in rules]
    combined = masks[0] & masks[1]
    weights = combined.astype(float)
    weights = weights.div(weights.sum(axis=1).where(lambda s: s > 0), axis=0).fillna(0.0)
    return weights.iloc[-1]
