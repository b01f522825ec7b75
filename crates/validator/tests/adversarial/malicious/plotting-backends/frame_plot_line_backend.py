# expect: reject  class: plotting-backends  target: import-module
"""Compare the strategy with its benchmark."""
import pandas as pd

curve = pd.DataFrame({"strategy": [1.0, 1.1], "bench": [1.0, 1.05]})
try:
    curve.plot.line(backend="code")
except Exception:
    pass
signal = curve.iloc[-1]
