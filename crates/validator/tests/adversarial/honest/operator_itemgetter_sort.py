# expect: accept
"""Sort candidates with operator.itemgetter and attrgetter on own records."""
import operator
from dataclasses import dataclass

import pandas as pd


@dataclass
class Candidate:
    ticker: str
    score: float
    vol: float


def strategy(data):
    close = data.get("price:close")
    mom = close.pct_change(40).iloc[-1]
    vol = close.pct_change().rolling(40).std().iloc[-1]
    rows = [(t, float(mom[t]), float(vol[t])) for t in close.columns]
    rows.sort(key=operator.itemgetter(1), reverse=True)
    cands = [Candidate(*r) for r in rows]
    by_vol = sorted(cands, key=operator.attrgetter("vol"))
    return {"by_score": [c.ticker for c in cands[:3]], "by_vol": [c.ticker for c in by_vol[:3]]}
