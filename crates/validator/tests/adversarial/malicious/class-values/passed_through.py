# expect: reject  class: class-values  target: tamper-pandas
"""Two-step configuration of the series class."""
import pandas as pd


def configure(kind):
    kind.shift = kind.bfill


def setup(kind):
    configure(kind)


setup(pd.Series)
signal = 1
