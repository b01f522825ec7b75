# expect: accept
"""Execute mode: EMA crossover on a synthetic random walk, written to a relative path."""
import numpy as np
import pandas as pd

rng = np.random.default_rng(2024)
idx = pd.bdate_range("2023-01-02", periods=300)
px = pd.Series(50 * np.exp(np.cumsum(rng.normal(0.0003, 0.012, 300))), index=idx, name="px")
fast, slow = px.ewm(span=10).mean(), px.ewm(span=30).mean()
state = (fast > slow).astype(int)
state.to_frame("long").to_csv("ema_state.csv")
signal = {"long_days": int(state.sum()), "last": int(state.iloc[-1])}
