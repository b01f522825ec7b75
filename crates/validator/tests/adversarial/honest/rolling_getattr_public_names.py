# expect: accept
"""Rolling feature table: one column per statistic, chosen from a fixed list."""
import pandas as pd

STATS = ["mean", "std", "min", "max", "median"]
WINDOW = 20


def strategy(data):
    close = data.get("price:close")
    returns = close.pct_change()
    rolling = returns["AAPL"].rolling(WINDOW)
    features = {}
    for name in STATS:
        features[name] = getattr(rolling, name)()
    table = pd.DataFrame(features).dropna()
    zscore = (table["mean"] / table["std"]).rename("sharpe_like")
    return table.join(zscore).tail(5).round(5)
