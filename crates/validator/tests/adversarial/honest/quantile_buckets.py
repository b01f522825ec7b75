# expect: accept
"""Quintile portfolios of momentum and their forward returns."""
import pandas as pd


def strategy(data):
    close = data.get("price:close")
    mom = close.pct_change(20)
    fwd = close.pct_change(5).shift(-5)
    stacked = pd.DataFrame({"mom": mom.stack(), "fwd": fwd.stack()}).dropna()
    stacked["bucket"] = pd.qcut(stacked["mom"], 5, labels=False)
    by_bucket = stacked.groupby("bucket")["fwd"].mean()
    return {"spread": round(float(by_bucket.iloc[-1] - by_bucket.iloc[0]), 5),
            "buckets": by_bucket.round(5).to_dict()}
