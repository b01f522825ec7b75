# expect: accept
"""Static sector weights embedded as CSV text, parsed with StringIO."""
import io

import pandas as pd

SECTOR_CSV = """ticker,sector,cap
AAPL,tech,0.3
MSFT,tech,0.3
JPM,fin,0.2
TSLA,auto,0.2
"""


def strategy(data):
    close = data.get("price:close")
    sectors = pd.read_csv(io.StringIO(SECTOR_CSV)).set_index("ticker")
    mom = close[sectors.index].pct_change(20).iloc[-1]
    weights = (mom.rank() / mom.rank().sum()).clip(upper=sectors["cap"])
    return (weights / weights.sum()).round(4)
