# expect: reject  class: self-trust  target: tamper-data
"""Gap-filling loader wrapper."""


class Filled:
    def wrap(self):
        self.get = lambda name, *a, **k: None

    @classmethod
    def kind(cls):
        return cls


def strategy(data):
    Filled.kind().wrap(data)
    return 0
