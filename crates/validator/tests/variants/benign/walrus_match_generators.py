import numpy as np
import pandas as pd
from collections import Counter, deque
from copy import deepcopy
from typing import Any


def classify(move: float) -> str:
    match move:
        case x if x > 0.02:
            return "rally"
        case x if x < -0.02:
            return "selloff"
        case _:
            return "flat"


def windows(values, n):
    buf = deque(maxlen=n)
    for v in values:
        buf.append(v)
        if len(buf) == n:
            yield list(buf)


def describe(obj: Any) -> str:
    match obj:
        case {"symbol": str(sym), "qty": int(q)}:
            return f"{sym}:{q}"
        case [first, *rest]:
            return f"{first} and {len(rest)} more"
        case _:
            return repr(obj)


def strategy(data):
    close = data.get("price:收盤價")
    if (n := len(close)) < 60:
        return close * 0
    ma = {w: close.rolling(w).mean() for w in (5, 20, 60)}
    stacked = ma[5] > ma[20]
    trend = (ma[20] > ma[60]) & stacked
    labels = Counter(classify(m) for m in close.pct_change().iloc[-1].fillna(0))
    config = deepcopy({"windows": [5, 20, 60], "n": n})
    chunks = [np.mean(w) for w in windows(range(10), 3)]
    print(labels.most_common(3), config, chunks[:2], describe({"symbol": "2330", "qty": 1}))
    return trend.astype(float).where(lambda f: f > 0, 0.0)


async def fetch_all(items):
    results = []
    for item in items:
        results.append(item)
    return results


frame = pd.DataFrame({"a": [1, 2, 3], "b": [3, 2, 1]})
filtered = frame.query("a > b")
frame.eval("c = a + b", inplace=True)
first, *others = frame.columns
total = sum(x * y for x, y in zip(frame["a"], frame["b"]))
assert total > 0, f"unexpected total {total}"
lookup = {k: v for k, v in frame.to_dict("list").items() if k != "c"}
squares = {i ** 2 for i in range(5)}
matrix = [[i * j for j in range(3)] for i in range(3)]
flat = np.array(matrix)[1:, ::2].ravel()
print(first, others, lookup, squares, flat, -frame["a"].values, ~frame["a"].astype(bool))
pct = True
fmt = "{:.2%}" if pct else "{:.2f}"
print(fmt.format(0.1234), list(map("{:>6}".format, ["a", "b"])))
