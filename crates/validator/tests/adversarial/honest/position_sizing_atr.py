# expect: accept
"""Volatility-scaled position sizing with a cash buffer."""
import math

import pandas as pd

CAPITAL = 1_000_000
RISK_PER_TRADE = 0.01


def strategy(data):
    close = data.get("price:close")
    true_range = close.diff().abs()
    atr = true_range.rolling(14).mean().iloc[-1]
    price = close.iloc[-1]
    shares = {}
    for ticker in close.columns:
        if atr[ticker] <= 0 or math.isnan(atr[ticker]):
            continue
        risk_dollars = CAPITAL * RISK_PER_TRADE
        qty = math.floor(risk_dollars / (2 * atr[ticker]))
        shares[ticker] = min(qty, math.floor(0.2 * CAPITAL / price[ticker]))
    notional = sum(shares[t] * price[t] for t in shares)
    return {"shares": shares, "cash_left": round(CAPITAL - notional, 2)}
