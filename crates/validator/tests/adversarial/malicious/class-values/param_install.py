# expect: reject  class: class-values  target: tamper-pandas
"""Forward-fill instead of shifting, installed once for every series."""
import pandas as pd


def install(target):
    target.shift = target.ffill


install(pd.Series)
signal = pd.Series([1.0, None, 3.0]).shift().tolist()
