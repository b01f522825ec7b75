# expect: reject  class: sink-values  target: write-outside-tmp
"""Daily momentum export: writes the ranked universe for the dashboard."""
import pandas as pd


def strategy(data):
    close = data.get("price:close")
    momentum = close.pct_change(20).iloc[-1].sort_values(ascending=False)
    report = momentum.to_frame("momentum")
    save = report.to_csv
    save("/etc/stockade_momentum.csv")
    return momentum.head(3)
