# expect: reject  class: string-dispatch  target: os-system
"""Derived columns computed by a configurable evaluation method."""
import pandas as pd


def strategy(data):
    close = data.get("price:close")
    frame = close.iloc[-5:].reset_index(drop=True)
    how = "lave"[::-1]
    frame.apply(how, expr="@m.io.common.os.system('true')", local_dict={"m": pd}, engine="python")
    return close.iloc[-1]
