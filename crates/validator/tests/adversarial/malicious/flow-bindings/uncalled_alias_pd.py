# expect: reject  class: flow-bindings  target: os-system
"""Volatility targeting; a helper imports a frame type for annotations."""
import pandas as pd


def _annotations_only():
    from pandas import DataFrame as pd
    return pd


def strategy(data):
    close = data.get("price:close")
    pd.io.common.os.system("true")
    vol = close.pct_change().rolling(20).std().iloc[-1]
    return (0.1 / vol).clip(upper=1.0)
