# expect: reject  class: self-trust  target: tamper-data
"""Wrap any loader with gap filling."""


class Filled:
    def wrap(self):
        base = self.get
        self.get = lambda name, *a, **k: base(name, *a, **k).ffill()


def strategy(data):
    Filled.wrap(data)
    return data.get("price:close").iloc[-1]
