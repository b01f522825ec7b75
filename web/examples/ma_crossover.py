import numpy as np
import pandas as pd

# Synthetic prices: a random walk over one year of business days.
rng = np.random.default_rng(7)
index = pd.date_range("2024-01-01", periods=250, freq="B")
close = pd.Series(100 + rng.normal(0, 1, len(index)).cumsum(), index=index, name="close")

fast = close.rolling(10).mean()
slow = close.rolling(30).mean()
position = (fast > slow).astype(int)

print(f"days long: {int(position.sum())} of {len(position)}")
signal = pd.DataFrame(
    {"close": close, "fast": fast, "slow": slow, "position": position}
).dropna().tail(15).round(2)
