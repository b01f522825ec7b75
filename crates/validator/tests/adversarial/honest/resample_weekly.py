# expect: accept
"""Weekly rebalanced trend following with resampling and forward fill."""
import numpy as np
import pandas as pd


def strategy(data):
    close = data.get("price:close")
    weekly = close.resample("W-FRI").last()
    trend = weekly / weekly.rolling(8).mean() - 1
    longs = trend.gt(0)
    weights = longs.astype(float).div(longs.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0)
    daily = weights.reindex(close.index, method="ffill").fillna(0.0)
    turnover = daily.diff().abs().sum(axis=1)
    return {"weights": daily.iloc[-1].round(3).to_dict(), "avg_turnover": round(float(turnover.mean()), 4)}
