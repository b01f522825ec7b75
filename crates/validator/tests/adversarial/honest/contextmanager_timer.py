# expect: accept
"""Timing sections of the computation with a small context manager."""
import time
from contextlib import contextmanager

import pandas as pd

timings = {}


@contextmanager
def timed(label):
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[label] = time.perf_counter() - start


def strategy(data):
    with timed("load"):
        close = data.get("price:close")
    with timed("signal"):
        sig = (close.pct_change(20).rank(axis=1) > 4).astype(int)
    return {"sections": sorted(timings), "longs": int(sig.iloc[-1].sum())}
