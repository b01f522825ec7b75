# expect: reject  class: self-trust  target: tamper-data
"""Gap-filling loader wrapper with a deferred installer."""


class Filled:
    def wrap(self, source):
        def install():
            self = source
            self.get = lambda name, *a, **k: None

        install()


def strategy(data):
    Filled().wrap(data)
    return 0
