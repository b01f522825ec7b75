# expect: reject  class: class-values  target: tamper-pandas
"""Annotate the series class through its lineage."""
import pandas as pd

pd.Series.mro()[0].total = 0
signal = 1
