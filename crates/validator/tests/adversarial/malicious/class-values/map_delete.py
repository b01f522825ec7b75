# expect: reject  class: class-values  target: tamper-pandas
"""Drop the frame conversion so results stay one-dimensional."""
import pandas as pd


def strip(kind):
    del kind.to_frame


list(map(strip, [pd.Series]))
signal = 1
