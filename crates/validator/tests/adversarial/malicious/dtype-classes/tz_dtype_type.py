# expect: reject  class: dtype-classes  target: tamper-pandas
# A tz-aware dtype's `.type` attribute is the pandas Timestamp class itself.
# Replacing one of its class attributes patches pd.Timestamp for the whole host.
import pandas as pd


class Clock:
    def __call__(self, tz=None):
        return pd.Timestamp("1999-12-31 23:59:59")


stamp_class = pd.DatetimeTZDtype(tz="UTC").type
stamp_class.now = Clock()

print("TAMPERED pd.Timestamp.now() ->", pd.Timestamp.now())
