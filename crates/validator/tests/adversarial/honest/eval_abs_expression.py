# expect: accept
"""Derived columns with DataFrame.eval, including abs() and a threshold from config."""
import pandas as pd

BAND = 0.02


def strategy(data):
    close = data.get("price:close")
    frame = pd.DataFrame({
        "last": close.iloc[-1],
        "sma": close.iloc[-20:].mean(),
    })
    frame = frame.eval("gap = (last - sma) / sma")
    frame = frame.eval(f"inside = abs(gap) < {BAND}")
    picks = frame.query(f"gap > {-BAND} and not inside")
    return picks["gap"].round(4)
