# expect: reject  class: decorator-writers  target: tamper-pandas
from functools import wraps

import pandas as pd


def report(frame):
    return frame


rename = wraps(report)
rename(pd.Index)
signal = 1
