# expect: reject  class: self-trust  target: tamper-data
"""Loader facade that can be re-pointed at another snapshot."""


class Loader:
    def _configure(self, where):
        self.where = where

    def setup(self, where):
        self._configure(where)


def strategy(data):
    Loader.setup(data, "/etc")
    return 0
