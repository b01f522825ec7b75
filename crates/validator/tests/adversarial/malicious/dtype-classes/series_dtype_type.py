# expect: reject  class: dtype-classes  target: tamper-pandas
# The class is reached from a tz-aware Series' dtype: `s.dtype.type` is pd.Timestamp.
# A callable instance (own class with __call__) replaces Timestamp.today everywhere.
import pandas as pd


class FixedDay:
    def __call__(self, tz=None):
        return pd.Timestamp("2001-09-11")


s = pd.Series(pd.date_range("2024-01-01", periods=2, tz="UTC"))
s.dtype.type.today = FixedDay()
print("TAMPERED pd.Timestamp.today() ->", pd.Timestamp.today())
