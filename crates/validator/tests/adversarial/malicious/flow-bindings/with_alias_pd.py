# expect: reject  class: flow-bindings  target: socket
"""Benchmark download guarded by a context manager."""
import contextlib
import pandas as pd


def _types():
    import pandas.api.types as pd  # noqa: F401


with contextlib.suppress(Exception):
    pd.io.common.urlopen("http://10.255.255.1/bench.csv", timeout=1)
signal = 0
