# expect: reject  class: plotting-backends  target: import-module
"""Temporarily switch the plotting backend for one chart."""
import pandas as pd

try:
    with pd.option_context("plotting.backend", "ftplib"):
        pass
except Exception:
    pass
signal = 0
