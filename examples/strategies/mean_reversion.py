"""Mean reversion on a single series with rolling Bollinger bands.

Execute mode: the program builds its own price path and leaves its positions in the
top-level variable `signal`.
"""

import numpy as np
import pandas as pd

WINDOW = 20
ENTRY_Z = 2.0
EXIT_Z = 0.5

rng = np.random.default_rng(7)
dates = pd.date_range("2024-01-01", periods=250, freq="B")
returns = rng.normal(0.0002, 0.012, len(dates))
close = pd.Series(100 * np.exp(np.cumsum(returns)), index=dates, name="close")

mean = close.rolling(WINDOW).mean()
std = close.rolling(WINDOW).std()
zscore = (close - mean) / std

position = pd.Series(np.nan, index=dates)
position[zscore < -ENTRY_Z] = 1.0
position[zscore > ENTRY_Z] = -1.0
position[zscore.abs() < EXIT_Z] = 0.0
position = position.ffill().fillna(0.0)

signal = pd.DataFrame(
    {
        "close": close.round(4),
        "zscore": zscore.round(3),
        "position": position,
    }
).dropna()
