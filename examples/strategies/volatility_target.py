"""Volatility targeting: scale exposure so the portfolio runs at a fixed annual volatility.

Execute mode: the result is the top-level variable `signal`, a dict of summary figures.
"""

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Settings:
    target_volatility: float = 0.10
    window: int = 63
    max_leverage: float = 1.5


settings = Settings()
rng = np.random.default_rng(42)
dates = pd.date_range("2023-01-02", periods=500, freq="B")
daily = pd.Series(rng.standard_t(5, len(dates)) * 0.01, index=dates)

realised = daily.rolling(settings.window).std() * math.sqrt(252)
leverage = (settings.target_volatility / realised).clip(upper=settings.max_leverage)
scaled = daily * leverage.shift(1)

signal = {
    "days": int(scaled.notna().sum()),
    "raw_volatility": round(float(daily.std() * math.sqrt(252)), 4),
    "scaled_volatility": round(float(scaled.std() * math.sqrt(252)), 4),
    "last_leverage": round(float(leverage.iloc[-1]), 3),
}
