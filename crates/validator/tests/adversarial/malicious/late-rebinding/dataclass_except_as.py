# expect: reject  class: late-rebinding  target: tamper-pandas
# the name is rebound by the except clause of a try below the helper.
from dataclasses import dataclass

import pandas as pd


class Params:
    window: int = 20


def build():
    return dataclass(Params)


try:
    pd.Series([1.0]).loc["missing"]
except KeyError:
    Params = pd.Series
build()
signal = 1
