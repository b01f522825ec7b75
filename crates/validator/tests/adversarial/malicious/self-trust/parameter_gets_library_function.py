# expect: reject  class: self-trust  target: tamper-pandas
"""Forward-filled shift."""
import pandas as pd


def install(target):
    target.shift = pd.Series.ffill


install(pd.Series)
signal = 0
