# expect: reject  class: plotting-backends  target: import-module
"""Configure charts once for the session."""
import pandas as pd

pd.options.plotting.backend = "antigravity"
signal = 0
