# expect: reject  class: decorator-writers  target: tamper-pandas
import functools

import pandas as pd


def report(frame):
    return frame


functools.update_wrapper(pd.DataFrame, report)
signal = 1
