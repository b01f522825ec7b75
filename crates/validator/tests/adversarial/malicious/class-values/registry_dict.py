# expect: reject  class: class-values  target: tamper-pandas
"""A registry of the containers this strategy decorates."""
import pandas as pd

KINDS = {"series": pd.Series, "frame": pd.DataFrame}


def strategy(data):
    close = data.get("price:close")
    for kind in KINDS.values():
        kind.shift = kind.ffill
    return close > 0
