# expect: reject  class: self-trust  target: tamper-data
"""Gap-filling loader wrapper."""


def apply(kind, target):
    kind.wrap(target)


class Filled:
    def wrap(self):
        self.get = lambda name, *a, **k: None

    def install(self, target):
        apply(type(self), target)


def strategy(data):
    Filled().install(data)
    return 0
