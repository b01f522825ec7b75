# expect: reject  class: self-trust  target: tamper-data
"""A cache wrapper that shares state with the loader."""


class Cache:
    def __init__(self):
        self._state = {}

    def state(self):
        return self._state


def strategy(data):
    Cache.state(data)["dir"] = "/etc"
    return 0
