# expect: accept
"""Top-N selection with heapq over a custom score."""
import heapq

import pandas as pd


def strategy(data):
    close = data.get("price:close")
    mom = close.pct_change(60).iloc[-1]
    vol = close.pct_change().rolling(60).std().iloc[-1]
    scored = [(float(mom[t] / vol[t]), t) for t in close.columns]
    best = heapq.nlargest(3, scored)
    worst = heapq.nsmallest(2, scored)
    return {"long": [t for _, t in best], "avoid": [t for _, t in worst]}
