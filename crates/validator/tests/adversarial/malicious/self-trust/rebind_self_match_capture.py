# expect: reject  class: self-trust  target: tamper-data
"""Gap-filling loader wrapper."""


class Filled:
    def wrap(self, source):
        match source:
            case self:
                self.get = lambda name, *a, **k: None


def strategy(data):
    Filled().wrap(data)
    return 0
