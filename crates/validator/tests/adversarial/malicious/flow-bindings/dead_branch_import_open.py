# expect: reject  class: flow-bindings  target: write-outside-tmp
"""Persist the trade log."""
import pandas as pd

if False:
    from io import open

log = pd.DataFrame({"side": ["buy", "sell"], "qty": [10, 5]})
with open("/etc/stockade-trades.log", "w") as fh:
    fh.write(log.to_string())
signal = log["qty"].sum()
