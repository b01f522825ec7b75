# expect: reject  class: decorator-writers  target: tamper-pandas
from functools import wraps

import pandas as pd

KINDS = [pd.Index]


def as_kind(fn):
    return KINDS[0]


def report(frame):
    return frame


@wraps(report)
@as_kind
def helper():
    return None


signal = 1
