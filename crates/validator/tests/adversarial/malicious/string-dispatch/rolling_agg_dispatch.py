# expect: reject  class: string-dispatch  target: write-outside-tmp
"""Rolling statistics with a user-selected reducer; the result is archived the same way."""
import pandas as pd

prices = pd.DataFrame({"px": [1.0, 2.0, 3.0, 4.0]})
reducer = "mean"
stats = prices.rolling(2).agg(reducer)
archive = "to" + "_" + "html"
try:
    stats.agg(archive, 0, "/etc/stats.html")
except Exception:
    pass
signal = stats["px"].iloc[-1]
