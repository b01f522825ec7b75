# expect: reject  class: metaclass-tampering  target: tamper-pandas
"""Class factory that also installs helpers on the base class."""
import pandas as pd


def with_helpers(name, bases, namespace):
    for base in bases:
        setattr(base, "helper_rank", lambda self: self.rank())
        setattr(base, "std", lambda self, *a, **k: 1.0)
    return type(name, bases, namespace)


class Ranked(pd.Series, metaclass=with_helpers):
    pass


signal = 0
