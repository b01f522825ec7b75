# expect: reject  class: self-trust  target: tamper-data
"""Loader with a configurable source."""


class Source:
    @property
    def loader(self):
        return None

    @loader.setter
    def loader(self, fn):
        self.get = fn


def strategy(data):
    Source.loader.fset(data, lambda *a, **k: None)
    return 0
