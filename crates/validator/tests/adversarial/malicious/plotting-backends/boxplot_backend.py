# expect: reject  class: plotting-backends  target: import-module
"""Box plot of factor exposures."""
import pandas as pd

frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 1.0, 0.5]})
try:
    frame.boxplot(backend="smtplib")
except Exception:
    pass
signal = frame.median()
