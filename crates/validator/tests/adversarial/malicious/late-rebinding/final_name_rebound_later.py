# expect: reject  class: late-rebinding  target: tamper-pandas
# typing.final(Report) inside a function, where Report is (so far) the code's own def;
# module code below the function rebinds Report to a pandas class before the call.
import typing

import pandas as pd


def Report():
    return None


def seal():
    typing.final(Report)


Report = pd.DataFrame
seal()
signal = 1
