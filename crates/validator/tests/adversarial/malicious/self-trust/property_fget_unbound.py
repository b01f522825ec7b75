# expect: reject  class: self-trust  target: tamper-data
"""Gap-filling loader wrapper."""


class Filled:
    @property
    def wrapped(self):
        self.get = lambda name, *a, **k: None
        return self


def strategy(data):
    Filled.wrapped.fget(data)
    return 0
