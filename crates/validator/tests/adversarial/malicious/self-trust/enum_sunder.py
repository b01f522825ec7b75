# expect: reject  class: self-trust  target: tamper-pandas
"""Enum's own `_missing_` answers the call; the program's `_missing_` guard is never run."""
import enum

import pandas as pd


class Ledger:
    def __init__(self):
        self._constructor = None

    def _missing_(self, other):
        if not isinstance(other, Ledger):
            raise TypeError("not a ledger")


class Mode(enum.Enum):
    FAST = 1

    def merge(self, other):
        self._missing_(other)
        other._constructor.total = 0
        return 1


Mode.FAST.merge(pd.DataFrame({"a": [1.0]}))
signal = 1
