# expect: reject  class: class-values  target: tamper-pandas
"""Tag both container classes with a default total."""
import pandas as pd


def tag(kind):
    kind.total = 0


for kind in [pd.Series, pd.DataFrame]:
    tag(kind)
signal = 1
