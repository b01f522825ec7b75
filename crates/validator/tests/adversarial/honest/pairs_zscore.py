# expect: accept
"""Pairs trading on the log-price spread of two correlated names."""
import numpy as np
import pandas as pd

PAIR = ("AAPL", "MSFT")
ENTRY, EXIT = 2.0, 0.5


def strategy(data):
    close = data.get("price:close")
    a, b = (np.log(close[t]) for t in PAIR)
    beta = np.polyfit(b.iloc[:120], a.iloc[:120], 1)[0]
    spread = a - beta * b
    z = (spread - spread.rolling(60).mean()) / spread.rolling(60).std()
    position = pd.Series(np.nan, index=z.index)
    position[z > ENTRY] = -1
    position[z < -ENTRY] = 1
    position[z.abs() < EXIT] = 0
    position = position.ffill().fillna(0)
    return {"beta": round(float(beta), 3), "z": round(float(z.iloc[-1]), 3), "position": int(position.iloc[-1])}
