# expect: reject  class: plotting-backends  target: import-module
"""Distribution of daily returns."""
import pandas as pd

returns = pd.Series([0.01, -0.02, 0.005, 0.013])
try:
    returns.hist(backend="pydoc")
except Exception:
    pass
signal = returns.std()
