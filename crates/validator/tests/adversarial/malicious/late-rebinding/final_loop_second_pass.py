# expect: reject  class: late-rebinding  target: tamper-pandas
import typing

import pandas as pd


def Report():
    return None


for _ in range(2):
    typing.final(Report)
    Report = pd.DataFrame
signal = 1
