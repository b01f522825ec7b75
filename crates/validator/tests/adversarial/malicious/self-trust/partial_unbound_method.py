# expect: reject  class: self-trust  target: tamper-data
"""Gap-filling loader wrapper."""
import functools


class Filled:
    def wrap(self):
        self.get = lambda name, *a, **k: None


def strategy(data):
    functools.partial(Filled.wrap, data)()
    return 0
