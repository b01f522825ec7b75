# expect: accept
"""Trend portfolio that de-levers after a drawdown."""
import numpy as np
import pandas as pd

MAX_DD = 0.1


def strategy(data):
    close = data.get("price:close")
    returns = close.pct_change().fillna(0)
    trend = (close > close.rolling(50).mean()).astype(float)
    weights = trend.div(trend.sum(axis=1).replace(0, np.nan), axis=0).fillna(0)
    pnl = (weights.shift().fillna(0) * returns).sum(axis=1)
    equity = (1 + pnl).cumprod()
    dd = equity / equity.cummax() - 1
    leverage = np.where(dd < -MAX_DD, 0.5, 1.0)
    scaled = weights.mul(pd.Series(leverage, index=weights.index).shift().fillna(1.0), axis=0)
    return {"leverage": float(leverage[-1]), "weights": scaled.iloc[-1].round(3).to_dict()}
