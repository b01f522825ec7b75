# expect: reject  class: self-trust  target: tamper-data
"""Gap-filling loader wrapper, installed once at definition."""


def strategy(data):
    def installed(method):
        method(data)
        return method

    class Filled:
        @installed
        def wrap(self):
            self.get = lambda name, *a, **k: None

    return 0
