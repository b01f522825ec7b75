# expect: reject  class: class-values  target: tamper-pandas
"""Use the mean wherever a sum is asked for."""
import pandas as pd


def use_mean(owner, replacement):
    setattr(owner, "sum", replacement)


use_mean(pd.Series, pd.Series.mean)
signal = float(pd.Series([1.0, 3.0]).sum())
