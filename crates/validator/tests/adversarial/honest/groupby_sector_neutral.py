# expect: accept
"""Sector-neutral momentum: rank within sector, then equal-weight sectors."""
import pandas as pd

SECTORS = {
    "AAPL": "tech", "MSFT": "tech", "NVDA": "tech", "GOOG": "tech",
    "AMZN": "consumer", "TSLA": "consumer", "META": "comm", "JPM": "fin",
}


def strategy(data):
    close = data.get("price:close")
    mom = close.pct_change(40).iloc[-1].rename("mom").to_frame()
    mom["sector"] = mom.index.map(SECTORS)
    mom["rank_in_sector"] = mom.groupby("sector")["mom"].rank(pct=True)
    mom["weight"] = mom.groupby("sector")["rank_in_sector"].transform(lambda r: r / r.sum())
    mom["weight"] /= mom["sector"].nunique()
    return mom.sort_values("weight", ascending=False)[["sector", "weight"]].round(4)
