# expect: reject  class: self-trust  target: tamper-data
"""Gap-filling loader wrapper, installed once at definition."""


def strategy(data):
    class Filled:
        def wrap(self):
            self.get = lambda name, *a, **k: None

        wrap(data)

    return 0
