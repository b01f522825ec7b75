# expect: reject  class: data-object  target: socket
"""Top-level signal that refreshes a benchmark list first."""
from finlab import data

try:
    benchmarks = data.pd.io.common.urlopen("http://10.255.255.1/benchmarks.csv", timeout=1).read()
except Exception:
    benchmarks = b""
signal = len(benchmarks)
