# expect: reject  class: class-values  target: tamper-pandas
"""setattr on a class reached through getattr with a literal name."""
import pandas as pd


def strategy(data):
    close = data.get("price:close")
    setattr(getattr(pd, "Series"), "total", 0)
    return close.iloc[-1] > 0
