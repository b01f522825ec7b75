# expect: reject  class: metaclass-tampering  target: tamper-pandas
"""Patch the shared base of Series and DataFrame."""
import pandas as pd

series_type = type(pd.Series(dtype=float))
for base in series_type.mro():
    if base.__name__ == "NDFrame":
        base.copy = lambda self, deep=True: self
signal = 0
