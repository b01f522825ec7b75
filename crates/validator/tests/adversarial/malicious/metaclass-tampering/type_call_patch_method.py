# expect: reject  class: metaclass-tampering  target: tamper-pandas
"""A decorator that attaches the function to the DataFrame type."""
import pandas as pd


def register(fn):
    setattr(type(pd.DataFrame()), fn.__name__, fn)
    return fn


@register
def pct_change(self, *args, **kwargs):
    return self * 0


signal = 0
