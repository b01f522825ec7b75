# expect: reject  class: self-trust  target: tamper-data
"""Gap-filling loader wrapper."""
import contextlib


class Filled:
    def wrap(self, source):
        with contextlib.nullcontext(source) as self:
            self.get = lambda name, *a, **k: None


def strategy(data):
    Filled().wrap(data)
    return 0
