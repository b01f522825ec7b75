# expect: accept
"""Signals as frozen dataclasses, normalised in __post_init__ and usable as dict keys."""
from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True, order=True)
class Signal:
    ticker: str
    strength: float
    tags: tuple = field(default=(), compare=False)

    def __post_init__(self):
        object.__setattr__(self, "ticker", self.ticker.upper())
        object.__setattr__(self, "strength", max(-1.0, min(1.0, float(self.strength))))


def strategy(data):
    close = data.get("price:close")
    z = (close.iloc[-1] - close.iloc[-20:].mean()) / close.iloc[-20:].std()
    signals = {Signal(t.lower(), -v / 2, ("meanrev",)) for t, v in z.items()}
    strongest = sorted(signals, key=lambda s: abs(s.strength), reverse=True)[:3]
    lookup = {s: s.strength for s in signals}
    return {s.ticker: round(lookup[s], 3) for s in strongest}
