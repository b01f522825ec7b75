# expect: reject  class: late-rebinding  target: tamper-pandas
# `own` is the code's own function where the call is written; the function runs after the
# module rebinds `own` to a pandas class, and update_wrapper rewrites the class's name.
import functools

import pandas as pd


def own():
    pass


def go():
    functools.update_wrapper(own, print)


own = pd.DataFrame
go()
signal = 1
