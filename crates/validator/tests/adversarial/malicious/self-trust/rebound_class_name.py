# expect: reject  class: self-trust  target: write-outside-tmp
"""Momentum report: a placeholder class that the computed table replaces."""
import pandas as pd


class Report:
    """Filled in below once the ranking is known."""


Report = pd.DataFrame({"momentum": [0.12, 0.08, -0.03]})
Report.to_csv("/etc/stockade_momentum.csv")
signal = 0
