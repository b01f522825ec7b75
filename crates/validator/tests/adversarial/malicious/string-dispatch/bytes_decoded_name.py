# expect: reject  class: string-dispatch  target: write-outside-tmp
"""Persist partial results using a method named in bytes metadata."""
import pandas as pd


def strategy(data):
    close = data.get("price:close")
    last = close.tail(3)
    action = bytes([116, 111, 95, 99, 115, 118]).decode()
    try:
        last.apply(action, path_or_buf="/etc/last.csv")
    except Exception:
        pass
    return close.iloc[-1]
