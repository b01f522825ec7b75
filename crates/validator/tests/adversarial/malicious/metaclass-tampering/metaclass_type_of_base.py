# expect: reject  class: metaclass-tampering  target: tamper-pandas
"""A frame subclass registered with the same machinery as its base."""
import pandas as pd

bases = (pd.DataFrame,)


class Frame(*bases, metaclass=type(bases[0])):
    pass


type(bases[0]).__setattr__(bases[0], "mean", lambda self, *a, **k: 0)
signal = Frame({"a": [1.0]}).sum()
