# expect: reject  class: string-dispatch  target: write-outside-tmp
"""Sector aggregation with a method chosen at runtime."""
import pandas as pd

frame = pd.DataFrame({"sector": ["a", "a", "b"], "ret": [0.1, 0.2, -0.1]})
name = "TO_JSON".lower()
try:
    frame.apply(name, path_or_buf="/etc/sector.json")
except Exception:
    pass
signal = frame.groupby("sector")["ret"].mean()
