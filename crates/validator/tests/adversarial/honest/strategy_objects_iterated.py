# expect: accept
"""Several momentum strategies of one class, iterated and blended."""
from abc import ABC, abstractmethod


class Base(ABC):
    def __init__(self, lookback):
        self._lookback = lookback

    @abstractmethod
    def score(self, close):
        ...

    @property
    def lookback(self):
        return self._lookback

    @lookback.setter
    def lookback(self, value):
        self._lookback = max(1, int(value))


class Momentum(Base):
    def score(self, close):
        return close.pct_change(self._lookback).iloc[-1]


class Smoothed(Momentum):
    def __init__(self, lookback, smooth):
        super().__init__(lookback)
        self._smooth = smooth

    def score(self, close):
        raw = super().score(close.rolling(self._smooth).mean())
        return raw + Momentum.score(self, close) * 0


def strategy(data):
    close = data.get("price:close")
    books = [Momentum(20), Momentum(60), Momentum(120)]
    scores = [book.score(close) for book in books]
    for book in books:
        book.lookback = book._lookback * 2
    total = sum(scores) / len(scores)
    smooth = Smoothed(20, 5)
    return (total + smooth.score(close)).rank().round(2).to_dict()
