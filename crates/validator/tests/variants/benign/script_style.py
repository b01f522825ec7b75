# -*- coding: utf-8 -*-
import json
import re
import time
import warnings
from bisect import bisect_left
from heapq import nlargest
from math import isclose, log
from random import Random
from statistics import median
from textwrap import dedent
from zoneinfo import ZoneInfo
import datetime as dt

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
pd.set_option("display.max_columns", 20)
pd.options.display.float_format = "{:.4f}".format

TICKER = re.compile(r"^\d{4}$")
rng = Random(11)
prices = [100 + rng.gauss(0, 1) for _ in range(250)]
returns = [log(b / a) for a, b in zip(prices, prices[1:])]
best = nlargest(5, range(len(returns)), key=lambda i: returns[i])
cut = bisect_left(sorted(returns), 0.0)
now = dt.datetime.now(ZoneInfo("Asia/Taipei"))
tic = time.perf_counter()

frame = pd.DataFrame({"close": prices}, index=pd.bdate_range("2024-01-01", periods=len(prices)))
frame["ret"] = frame["close"].pct_change()
frame["vol"] = frame["ret"].rolling(20, min_periods=5).std() * np.sqrt(252)
frame["z"] = (frame["close"] - frame["close"].rolling(20).mean()) / frame["close"].rolling(20).std()
weekly = frame.resample("W-FRI").agg({"close": "last", "ret": "sum"})
signal = np.select([frame["z"] > 2, frame["z"] < -2], [-1, 1], default=0)
frame = frame.assign(signal=signal).dropna()
trades = frame.loc[frame["signal"].diff().fillna(0) != 0, ["close", "signal"]]
matrix = np.cov(np.vstack([frame["ret"].to_numpy(), frame["vol"].to_numpy()]))
eigvals = np.linalg.eigvalsh(matrix)

report = {
    "median_return": median(returns),
    "best_days": best,
    "negatives": cut,
    "tickers_ok": all(TICKER.match(t) for t in ["2330", "2317"]),
    "trades": len(trades),
    "eig_ok": bool(np.all(eigvals >= -1e-12)),
    "same": isclose(sum(returns), log(prices[-1] / prices[0])),
    "weeks": len(weekly),
    "as_of": now.isoformat(),
    "elapsed_ms": round((time.perf_counter() - tic) * 1000, 3),
}
print(dedent("""
    Strategy report
    ---------------
""").strip())
print(json.dumps(report, indent=2, default=str))
print("{:>10} {:>10}".format("close", "signal"))
for ts, row in trades.head().iterrows():
    print(f"{ts:%Y-%m-%d} {row['close']:>10.2f} {int(row['signal']):>+3d}")
frame.to_csv("/tmp/report.csv")
with open("/tmp/report.json", "w", encoding="utf-8") as fh:
    json.dump(report, fh, default=str)
signal = frame["signal"].iloc[-1]
