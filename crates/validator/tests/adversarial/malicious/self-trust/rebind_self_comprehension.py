# expect: reject  class: self-trust  target: tamper-data
"""Gap-filling loader wrapper over several sources."""


class Filled:
    def wrap(self, sources):
        return [setattr(self, "get", lambda name, *a, **k: None) for self in sources]


def strategy(data):
    Filled().wrap([data])
    return 0
