# expect: accept
"""Execute mode: Black-Scholes delta for a small option book."""
import math

import pandas as pd


def norm_cdf(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def delta(spot, strike, vol, t, rate=0.03, call=True):
    d1 = (math.log(spot / strike) + (rate + vol * vol / 2) * t) / (vol * math.sqrt(t))
    return norm_cdf(d1) if call else norm_cdf(d1) - 1


book = pd.DataFrame({
    "strike": [95, 100, 105, 100],
    "vol": [0.25, 0.22, 0.2, 0.3],
    "t": [0.25, 0.5, 0.25, 1.0],
    "call": [True, True, False, False],
    "qty": [10, -5, 8, 3],
})
book["delta"] = [delta(100, r.strike, r.vol, r.t, call=r.call) for r in book.itertuples()]
signal = {"net_delta": round(float((book["delta"] * book["qty"]).sum()), 3)}
