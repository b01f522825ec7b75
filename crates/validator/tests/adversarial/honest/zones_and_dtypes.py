# expect: accept
"""Time zones and dtypes as strategies write them: literals, zone objects, dicts of types."""
from datetime import timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from pandas.api.types import is_datetime64_any_dtype, is_numeric_dtype

MARKET_TZ = "Asia/Taipei"
DTYPES = {"close": "float64", "volume": np.int64}


def strategy(data):
    close = data.get("price:close")
    stamps = close.index.tz_localize(MARKET_TZ).tz_convert("UTC")
    utc_now = pd.Timestamp.now(timezone.utc)
    local = pd.Timestamp("2024-01-02 09:00", tz=ZoneInfo("Asia/Taipei"))
    zones = pd.Series(["2024-01-02"]).astype("datetime64[ns]").dt.tz_localize(tz="UTC")
    frame = pd.DataFrame({"close": close.iloc[-1].astype(float), "volume": 1}).astype(DTYPES)
    checks = [is_datetime64_any_dtype(zones), is_numeric_dtype(frame["close"])]
    ranked = frame["close"].rank(pct=True).astype(float)
    fresh = all(checks) and stamps[-1] < utc_now and local.tz is not None
    return ranked if fresh else ranked * 0.0
