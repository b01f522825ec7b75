# expect: reject  class: string-dispatch  target: write-outside-tmp
"""Snapshot the series with an aggregation hook."""
import pandas as pd

series = pd.Series([1.0, 2.0, 3.0], name="px")
hook = "_".join(["to", "pickle"])
try:
    series.agg(hook, 0, "/srv/snapshot.pkl")
except Exception:
    pass
signal = series.mean()
