# expect: reject  class: class-values  target: tamper-pandas
"""A class pattern keyword reads the registry."""
import functools

import pandas as pd


@functools.singledispatch
def size(x):
    return 0


@size.register
def _(x: pd.DataFrame):
    return 1


match size:
    case object(registry=table):
        for kind in table:
            if kind is not object:
                kind.total = 0
signal = 1
