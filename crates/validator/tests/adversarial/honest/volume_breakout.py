# expect: accept
"""Breakouts confirmed by volume."""
import pandas as pd


def strategy(data):
    close = data.get("price:close")
    volume = data.get("price:volume")
    high_55 = close.rolling(55).max().shift(1)
    vol_ratio = volume / volume.rolling(20).mean()
    breakout = (close > high_55) & (vol_ratio > 1.5)
    recent = breakout.iloc[-20:].any()
    return recent.astype(int)
