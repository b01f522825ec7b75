# expect: reject  class: class-values  target: tamper-pandas
"""attrgetter reads the registry."""
import operator
import functools

import pandas as pd


@functools.singledispatch
def size(x):
    return 0


@size.register
def _(x: pd.DataFrame):
    return 1


for kind in operator.attrgetter("registry")(size):
    if kind is not object:
        kind.total = 0
signal = 1
