# expect: accept
"""Parameters arrive as JSON text; the strategy validates and applies them."""
import json

import pandas as pd

CONFIG = """
{"fast": 15, "slow": 60, "max_positions": 4, "universe": ["AAPL", "MSFT", "NVDA", "AMZN", "GOOG"]}
"""


def strategy(data):
    cfg = json.loads(CONFIG)
    if cfg["fast"] >= cfg["slow"]:
        raise ValueError("fast window must be shorter")
    close = data.get("price:close")[cfg["universe"]]
    spread = close.rolling(cfg["fast"]).mean() / close.rolling(cfg["slow"]).mean() - 1
    top = spread.iloc[-1].nlargest(cfg["max_positions"])
    return (top.clip(lower=0) / top.clip(lower=0).sum()).fillna(0).round(4)
