# expect: reject  class: self-trust  target: write-outside-tmp
"""Momentum report: the export helper is written first, the table that replaces the
placeholder class comes after it."""
import pandas as pd


class Report:
    """Filled in below once the ranking is known."""


def export():
    Report.to_csv("/etc/stockade_momentum.csv")


Report = pd.DataFrame({"momentum": [0.12, 0.08, -0.03]})
export()
signal = 0
