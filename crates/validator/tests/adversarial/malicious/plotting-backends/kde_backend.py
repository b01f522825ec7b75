# expect: reject  class: plotting-backends  target: import-module
"""PnL density."""
import pandas as pd

pnl = pd.Series([1.0, -0.5, 0.25, 0.75])
try:
    pnl.plot.kde(backend="mailbox")
except Exception:
    pass
signal = pnl.sum()
