# expect: reject  class: sink-values  target: write-outside-tmp
"""Persist the signal with an overridable writer."""
import pandas as pd


def persist(frame, path, writer=lambda f, p: f.to_csv(p)):
    writer(frame, path)
    return path


def strategy(data):
    close = data.get("price:close")
    sig = (close > close.rolling(50).mean()).astype(int)
    persist(sig.tail(3), "/usr/local/share/signal.csv")
    return sig.iloc[-1]
