# expect: reject  class: self-trust  target: tamper-data
"""Gap-filling loader wrapper."""


class Filled:
    def wrap(self):
        self.get = lambda name, *a, **k: None


class Daily(Filled):
    pass


def strategy(data):
    Daily.wrap(data)
    return 0
