import numpy as np
import pandas as pd

rng = np.random.default_rng(42)
close = pd.Series(50 + rng.normal(0, 1, 120).cumsum(), name="close")

delta = close.diff()
gain = delta.clip(lower=0).rolling(14).mean()
loss = (-delta.clip(upper=0)).rolling(14).mean()
rsi = 100 - 100 / (1 + gain / loss)

# +1 when oversold, -1 when overbought, 0 otherwise.
signal = pd.Series(np.where(rsi < 30, 1, np.where(rsi > 70, -1, 0)), name="rsi_signal").tail(20)
print("latest RSI:", round(float(rsi.iloc[-1]), 2))
