# expect: accept
"""Rolling z-score with numpy's sliding_window_view (no Python loops)."""
import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

WINDOW = 20


def strategy(data):
    close = data.get("price:close")
    values = close.to_numpy()
    windows = sliding_window_view(values, WINDOW, axis=0)
    mean = windows.mean(axis=-1)
    std = windows.std(axis=-1, ddof=1)
    z = (values[WINDOW - 1:] - mean) / std
    zscore = pd.DataFrame(z, index=close.index[WINDOW - 1:], columns=close.columns)
    signal = -zscore.clip(-2, 2) / 2
    return signal.iloc[-1].round(3)
