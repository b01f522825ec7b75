# expect: reject  class: self-trust  target: tamper-data
"""Registry that installs gap filling on every subclass."""


class Filled:
    def wrap(self):
        self.get = lambda name, *a, **k: None


def strategy(data):
    class Base:
        def __init_subclass__(cls, **kwargs):
            cls.wrap(data)

    class Daily(Base, Filled):
        pass

    return 0
