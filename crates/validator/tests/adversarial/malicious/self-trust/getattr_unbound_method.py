# expect: reject  class: self-trust  target: tamper-data
"""Gap-filling loader wrapper."""


class Filled:
    def wrap(self):
        self.get = lambda name, *a, **k: None


def strategy(data):
    getattr(Filled, "wrap")(data)
    return 0
