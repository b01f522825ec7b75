# expect: accept
"""Feature matrix for a simple model: several rolling statistics over several windows."""
import numpy as np
import pandas as pd

WINDOWS = (5, 20, 60)
METHODS = ("mean", "std", "skew")


def strategy(data):
    close = data.get("price:close")
    ret = close["MSFT"].pct_change()
    cols = {}
    for window in WINDOWS:
        roll = ret.rolling(window)
        for method in METHODS:
            cols[f"{method}_{window}"] = getattr(roll, method)()
    features = pd.DataFrame(cols).dropna()
    target = ret.shift(-1).reindex(features.index)
    corr = features.corrwith(target).replace([np.inf, -np.inf], np.nan).dropna()
    return corr.round(3).sort_values()
