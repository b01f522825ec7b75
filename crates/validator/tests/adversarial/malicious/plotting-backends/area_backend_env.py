# expect: reject  class: plotting-backends  target: import-module
"""Gross exposure area chart."""
import pandas as pd

backend_name = "imaplib"
exposure = pd.DataFrame({"long": [0.5, 0.6], "short": [-0.2, -0.3]})
try:
    exposure.plot.area(backend=backend_name)
except Exception:
    pass
signal = exposure.sum(axis=1)
