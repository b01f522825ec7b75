# expect: accept
"""Typed signal generators (typing.Protocol) combined by a simple voter."""
from typing import Dict, List, Protocol

import pandas as pd


class SignalSource(Protocol):
    def __call__(self, close: pd.DataFrame) -> pd.Series: ...


def trend(close: pd.DataFrame) -> pd.Series:
    return (close.iloc[-1] > close.iloc[-100:].mean()).astype(int)


def breakout(close: pd.DataFrame) -> pd.Series:
    return (close.iloc[-1] >= close.iloc[-20:].max()).astype(int)


def vote(sources: List[SignalSource], close: pd.DataFrame) -> Dict[str, int]:
    total = sum(src(close) for src in sources)
    return total.to_dict()


def strategy(data):
    close = data.get("price:close")
    return vote([trend, breakout], close)
