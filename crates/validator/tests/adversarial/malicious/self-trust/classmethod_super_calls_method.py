# expect: reject  class: self-trust  target: tamper-data
"""Gap-filling loader wrapper."""


class Filled:
    def wrap(self):
        self.get = lambda name, *a, **k: None


class Daily(Filled):
    @classmethod
    def apply(cls, target):
        super().wrap(target)


def strategy(data):
    Daily.apply(data)
    return 0
