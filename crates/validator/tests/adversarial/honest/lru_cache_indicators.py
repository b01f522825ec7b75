# expect: accept
"""Indicator parameters swept with a memoised helper."""
from functools import lru_cache

import pandas as pd

_close = {}


@lru_cache(maxsize=None)
def sma_signal(window):
    close = _close["frame"]
    return (close > close.rolling(window).mean()).iloc[-1].astype(int)


def strategy(data):
    _close["frame"] = data.get("price:close")
    votes = sum(sma_signal(w) for w in (10, 20, 50, 100))
    sma_signal(10)
    info = sma_signal.cache_info()
    return {"votes": votes.to_dict(), "hits": info.hits}
