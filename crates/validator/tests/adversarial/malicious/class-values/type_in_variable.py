# expect: reject  class: class-values  target: tamper-pandas
"""Remember the frame's class and give it a total."""
import pandas as pd


def strategy(data):
    close = data.get("price:close")
    kind = type(close)
    kind.total = 0
    return close > 0
