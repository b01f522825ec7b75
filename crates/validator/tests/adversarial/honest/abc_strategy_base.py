# expect: accept
"""Strategy objects sharing an abstract base class."""
from abc import ABC, abstractmethod

import pandas as pd


class BaseStrategy(ABC):
    def __init__(self, name):
        self.name = name

    @abstractmethod
    def weights(self, close):
        ...

    def run(self, close):
        w = self.weights(close)
        return w / w.abs().sum()


class TrendStrategy(BaseStrategy):
    def weights(self, close):
        return (close.iloc[-1] > close.rolling(50).mean().iloc[-1]).astype(float) + 1e-9


class ReversalStrategy(BaseStrategy):
    def weights(self, close):
        return -close.pct_change(5).iloc[-1]


def strategy(data):
    close = data.get("price:close")
    books = [TrendStrategy("trend"), ReversalStrategy("rev")]
    combined = sum(b.run(close) for b in books) / len(books)
    return combined.round(4)
