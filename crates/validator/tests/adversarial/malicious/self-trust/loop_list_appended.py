# expect: reject  class: self-trust  target: tamper-data
"""Gap-filling loader wrapper."""


class Filled:
    def wrap(self):
        return 0


def strategy(data):
    objs = [Filled()]
    objs.append(data)
    for o in objs:
        o.get = lambda name, *a, **k: None
    return 0
