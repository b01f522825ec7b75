# expect: reject  class: self-trust  target: tamper-data
"""Loader wrappers registered by a class decorator."""


def strategy(data):
    def registered(kind):
        kind.wrap(data)
        return kind

    @registered
    class Filled:
        def wrap(self):
            self.get = lambda name, *a, **k: None

    return 0
