# expect: reject  class: plotting-backends  target: import-module
"""Plot the equity curve with an interactive backend."""
import pandas as pd

equity = pd.Series([1.0, 1.01, 1.03, 1.02]).cumprod()
try:
    equity.plot(backend="pdb")
except Exception:
    pass
signal = equity.iloc[-1]
