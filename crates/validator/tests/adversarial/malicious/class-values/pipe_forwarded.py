# expect: reject  class: class-values  target: tamper-pandas
"""Configure through pandas' own pipe."""
import pandas as pd


def configure(frame, kind):
    kind.shift = kind.bfill
    return frame


def strategy(data):
    close = data.get("price:close")
    close = close.pipe(configure, pd.DataFrame)
    return close > 0
