# expect: reject  class: self-trust  target: os-system
"""Registry with a class-level system handle."""
import collections


class Registry:
    _sys = None

    def modules(cls):
        return cls._sys.modules


Registry.modules(collections)["os"].system("true")
signal = 0
