# expect: reject  class: self-trust  target: tamper-pandas
"""`self.__check(other)` in a subclass is `self._Book__check`: a second, empty method the
validator files under another name. The guard of `Ledger.__check` never runs."""
import pandas as pd


class Ledger:
    def __init__(self):
        self._constructor = None

    def __check(self, other):
        if not isinstance(other, Ledger):
            raise TypeError("not a ledger")


class Book(Ledger):
    def _Book__check(self, other):
        return None

    def merge(self, other):
        self.__check(other)
        other._constructor.total = 0
        return 1


frame = pd.DataFrame({"a": [1.0]})
Book().merge(frame)
signal = 1
