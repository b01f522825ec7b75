# expect: reject  class: plotting-backends  target: import-module
"""Scatter of signal against forward returns."""
import pandas as pd

frame = pd.DataFrame({"x": [1.0, 2.0], "y": [2.0, 4.0]})
try:
    frame.plot.scatter(x="x", y="y", backend="timeit")
except Exception:
    pass
signal = frame.corr().iloc[0, 1]
