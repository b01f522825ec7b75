# expect: reject  class: plotting-backends  target: import-module
"""Bar chart of portfolio weights, styled from a dict."""
import pandas as pd

style = {"kind": "bar", "backend": "tabnanny"}
weights = pd.Series([0.3, 0.7], index=["A", "B"])
try:
    weights.plot(**style)
except Exception:
    pass
signal = weights
