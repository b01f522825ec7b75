import pandas as pd


def strategy(data):
    close = data.get("price:close")
    momentum = close.pct_change(20)
    # Hold the three names with the best 20-day momentum.
    ranks = momentum.rank(axis=1, ascending=False)
    return (ranks <= 3).astype(int).tail(10)
