# expect: reject  class: class-values  target: tamper-pandas
"""getattr with the literal name `registry`: no `.registry` attribute read is written."""
import functools

import pandas as pd


@functools.singledispatch
def size(x):
    return 0


@size.register
def _(x: pd.DataFrame):
    return 1


for kind in getattr(size, "registry"):
    if kind is not object:
        kind.total = 0
signal = 1
