# expect: accept
"""Log-return momentum with type checks and renamed columns."""
import numpy as np
import pandas as pd


def log_returns(frame):
    out = frame.pct_change().apply(np.log1p)
    out = out.astype(np.float64).select_dtypes(include=[np.number])
    out.columns = [str(c) for c in out.columns]
    out.index.name = "date"
    return out


def strategy(data):
    close = data.get("price:close")
    print(f"loaded {type(close).__name__} of shape {close.shape}")
    if not isinstance(close, pd.DataFrame) or type(close) is not pd.DataFrame:
        raise TypeError(f"unexpected {type(close)}")
    momentum = log_returns(close).rolling(20).sum()
    momentum.columns = close.columns
    return momentum > 0
