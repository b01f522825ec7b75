# expect: accept
"""Library classes used as decorators and context managers, beside ordinary stores on frames."""
import functools
import numpy as np
import pandas as pd
from functools import cached_property


class Book:
    def __init__(self, df):
        self.df = df

    @functools.cached_property
    def total(self):
        return self.df.sum()

    @cached_property
    def mean(self):
        return self.df.mean()


@np.vectorize
def clip(x):
    return max(0, x)


def strategy(data):
    close = data.get("price:close")
    close.columns = [c.upper() for c in close.columns]
    close.index.name = "date"
    with np.errstate(divide="ignore"):
        r = close / close.shift(1)
    with pd.option_context("mode.chained_assignment", None):
        r = r.fillna(0)
    return r > 0
