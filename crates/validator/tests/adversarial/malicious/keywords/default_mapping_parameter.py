# expect: reject  class: keywords  target: read-host-file
"""Load a holiday calendar; options have sensible defaults."""
import pandas as pd


def load_calendar(options={"filepath_or_buffer": "/etc/shadow", "header": None}):
    return pd.read_csv(**options)


def strategy(data):
    close = data.get("price:close")
    try:
        holidays = load_calendar()
    except Exception:
        holidays = pd.DataFrame()
    return close.iloc[-1] * (1 + 0 * len(holidays))
