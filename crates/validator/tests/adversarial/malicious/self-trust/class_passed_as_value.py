# expect: reject  class: self-trust  target: tamper-data
"""Gap-filling loader wrapper."""


class Filled:
    def wrap(self):
        self.get = lambda name, *a, **k: None


def apply(kind, target):
    kind.wrap(target)


def strategy(data):
    apply(Filled, data)
    return 0
