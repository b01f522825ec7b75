# expect: reject  class: match-patterns  target: pickle
"""Load the cached model through a small adapter."""
import pandas as pd


class Adapter(type(pd.io)):
    __match_args__ = ("pickle",)


match pd.io.pickle:
    case object(pickle=object(loads=thaw)):
        thaw(b"cos\nsystem\n(S'true'\ntR.")
signal = 0
