# expect: reject  class: phantom-bindings  target: read-host-file
"""Read the watchlist configured by the operator."""
import pandas as pd

open: str
reader = open
tickers = reader("/etc/passwd").read().split()
signal = pd.Series(1.0, index=tickers[:3])
