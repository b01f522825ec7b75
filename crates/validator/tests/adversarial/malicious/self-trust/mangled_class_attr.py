# expect: reject  class: self-trust  target: tamper-pandas
"""The mangled name is a class attribute (a builtin), not a method; the guard lives in an
unrelated class under the unmangled spelling."""
import pandas as pd


class Ledger:
    def __init__(self):
        self._constructor = None

    def __check(self, other):
        if not isinstance(other, Ledger):
            raise TypeError("not a ledger")


class Book:
    _Book__check = staticmethod(len)

    def merge(self, other):
        self.__check(other)
        kind = other._constructor
        kind.total = 0
        return 1


def strategy(data):
    close = data.get("price:close")
    Book().merge(close)
    return close.iloc[-1] > 0
