# expect: reject  class: self-trust  target: tamper-data
"""Gap-filling loader wrapper."""


class Filled:
    pass


objs = [Filled()]


def patch():
    for o in objs:
        o.get = lambda name, *a, **k: None


def strategy(data):
    objs.append(data)
    patch()
    return 0
