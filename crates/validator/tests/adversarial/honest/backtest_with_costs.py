# expect: accept
"""Vectorised backtest of a moving-average crossover with transaction costs."""
import numpy as np
import pandas as pd

COST_BPS = 10


def backtest(close, weights, cost_bps=COST_BPS):
    returns = close.pct_change().fillna(0.0)
    held = weights.shift(1).fillna(0.0)
    gross = (held * returns).sum(axis=1)
    turnover = weights.diff().abs().sum(axis=1).fillna(0.0)
    net = gross - turnover * cost_bps / 10_000
    equity = (1 + net).cumprod()
    drawdown = equity / equity.cummax() - 1
    sharpe = net.mean() / net.std() * np.sqrt(252) if net.std() > 0 else 0.0
    return {"final": round(float(equity.iloc[-1]), 4), "max_dd": round(float(drawdown.min()), 4),
            "sharpe": round(float(sharpe), 3)}


def strategy(data):
    close = data.get("price:close")
    signal = (close.rolling(20).mean() > close.rolling(60).mean()).astype(float)
    weights = signal.div(signal.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0)
    return backtest(close, weights)
