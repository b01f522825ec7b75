# expect: reject  class: class-values  target: tamper-pandas
"""Backward fill as the default shift."""
import pandas as pd


def prefer_bfill(kind=pd.Series):
    kind.shift = kind.bfill


prefer_bfill()
signal = 1
