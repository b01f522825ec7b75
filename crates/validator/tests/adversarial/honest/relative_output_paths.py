# expect: accept
"""Daily report: writes the signal and a summary next to the working directory."""
import json

import pandas as pd


def strategy(data):
    close = data.get("price:close")
    fast = close.rolling(10).mean()
    slow = close.rolling(40).mean()
    signal = (fast > slow).astype(int)
    latest = signal.iloc[-1]
    signal.tail(20).to_csv("signal.csv")
    summary = {"long": int(latest.sum()), "date": str(close.index[-1].date())}
    with open("summary.json", "w") as fh:
        json.dump(summary, fh)
    reread = pd.read_csv("signal.csv", index_col=0)
    summary["rows_written"] = len(reread)
    return summary
