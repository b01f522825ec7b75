# expect: reject  class: plotting-backends  target: import-module
"""Session-wide display settings."""
import pandas as pd

DISPLAY = {"display.max_columns": 20, "plotting.backend": "trace"}
for option, value in DISPLAY.items():
    pd.set_option(option, value)
signal = 0
