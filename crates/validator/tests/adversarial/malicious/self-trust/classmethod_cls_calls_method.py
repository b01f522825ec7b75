# expect: reject  class: self-trust  target: tamper-data
"""Gap-filling loader wrapper."""


class Filled:
    def wrap(self):
        self.get = lambda name, *a, **k: None

    @classmethod
    def apply(cls, target):
        cls.wrap(target)


def strategy(data):
    Filled.apply(data)
    return 0
