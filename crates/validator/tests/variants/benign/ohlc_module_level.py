from finlab import data
import pandas as pd
import numpy as np

open = data.get("price:開盤價")
high = data.get("price:最高價")
low = data.get("price:最低價")
close = data.get("price:收盤價")
volume = data.get("price:成交股數")

body = (close - open).abs()
range_ = (high - low).replace(0, np.nan)
doji = body / range_ < 0.1
gap_up = open > high.shift(1)
vol_spike = volume > volume.rolling(20).mean() * 2
type = "breakout"
id = 42

position = (gap_up & vol_spike & ~doji).astype(int)
signal = position.iloc[-1].sum() if len(position) else 0
print(f"{type} #{id}: {signal} names")
