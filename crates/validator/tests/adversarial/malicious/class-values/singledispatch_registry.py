# expect: reject  class: class-values  target: tamper-pandas
# functools.singledispatch registry keys: the annotated library class.
import functools
import pandas as pd


@functools.singledispatch
def describe(x):
    return "other"


@describe.register
def _(x: pd.Series):
    return "series"


def fake_sum(self, *args, **kwargs):
    return -1


for klass in list(describe.registry.keys()):
    if klass is not object:
        klass.sum = property(fake_sum)
print("LIBCLASS-036 pandas.Series.sum replaced:", pd.Series([1.0]).sum)
