# expect: reject  class: self-trust  target: tamper-data
"""Gap-filling loader wrapper."""


def install(target):
    Filled.wrap(target)


class Filled:
    def wrap(self):
        self.get = lambda name, *a, **k: None


def strategy(data):
    install(data)
    return 0
