# expect: accept
"""Minimum-variance portfolio from the sample covariance (numpy.linalg)."""
import numpy as np
import pandas as pd


def strategy(data):
    close = data.get("price:close")
    returns = close.pct_change().dropna().iloc[-120:]
    cov = returns.cov().to_numpy()
    cov += np.eye(len(cov)) * 1e-6
    ones = np.ones(len(cov))
    inv = np.linalg.inv(cov)
    w = inv @ ones / (ones @ inv @ ones)
    w = np.clip(w, 0, None)
    w = w / w.sum()
    return pd.Series(w, index=close.columns).round(4)
