# expect: reject  class: dtype-classes  target: tamper-pandas
# PeriodDtype(...).type is the pandas Period class; a staticmethod stored on it replaces
# Period.now for every later user in the process.
import pandas as pd


def frozen_now(freq=None):
    return pd.Period("2000-01", freq="M")


period_class = pd.PeriodDtype("D").type
period_class.now = staticmethod(frozen_now)
print("TAMPERED pd.Period.now('D') ->", pd.Period.now("D"))
