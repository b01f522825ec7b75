# expect: accept
"""Trade list from signal changes, as named tuples."""
from collections import namedtuple

import pandas as pd

Trade = namedtuple("Trade", ["date", "ticker", "side", "price"])


def strategy(data):
    close = data.get("price:close")
    signal = (close > close.rolling(30).mean()).astype(int)
    changes = signal.diff().iloc[-60:]
    trades = []
    for date, row in changes.iterrows():
        for ticker, change in row.items():
            if change != 0 and not pd.isna(change):
                side = "buy" if change > 0 else "sell"
                trades.append(Trade(str(date.date()), ticker, side, round(float(close.at[date, ticker]), 2)))
    return [t._asdict() for t in trades[-10:]]
