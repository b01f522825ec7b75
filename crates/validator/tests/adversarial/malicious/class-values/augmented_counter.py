# expect: reject  class: class-values  target: tamper-pandas
"""Count calls on the index class."""
import pandas as pd


def count(kind):
    kind.calls = 0
    kind.calls += 1


count(pd.Index)
signal = 1
