# expect: accept
"""Order book of target positions as value objects that compare and hash by content."""
import numpy as np
import pandas as pd


class Position:
    def __init__(self, ticker, qty):
        self._ticker = ticker
        self._qty = qty

    @property
    def ticker(self):
        return self._ticker

    def __eq__(self, other):
        if not isinstance(other, Position):
            return NotImplemented
        return self._ticker == other._ticker and self._qty == other._qty

    def __hash__(self):
        return hash((self._ticker, self._qty))

    def __repr__(self):
        return f"Position({self._ticker!r}, {self._qty})"

    def scaled(self, factor):
        return type(self)(self._ticker, int(round(self._qty * factor)))


def strategy(data):
    close = data.get("price:close")
    ranks = close.pct_change(20).iloc[-1].rank(ascending=False)
    wanted = {Position(t, 100) for t in ranks[ranks <= 4].index}
    held = {Position(t, 100) for t in ranks[ranks <= 2].index}
    to_buy = sorted(p.ticker for p in wanted - held)
    halved = [p.scaled(0.5) for p in sorted(held, key=lambda p: p.ticker)]
    return {"buy": to_buy, "halved": [repr(p) for p in halved], "n": len(wanted)}
