# expect: accept
"""Stamp the signal in exchange time and UTC."""
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pandas as pd

NEW_YORK = ZoneInfo("America/New_York")


def strategy(data):
    close = data.get("price:close")
    last_day = close.index[-1].date()
    market_close = datetime.combine(last_day, time(16, 0), tzinfo=NEW_YORK)
    utc = market_close.astimezone(ZoneInfo("UTC"))
    idx = close.index[-5:].tz_localize("America/New_York")
    return {"close_ny": market_close.isoformat(), "close_utc": utc.isoformat(),
            "recent": [ts.isoformat() for ts in idx]}
