# expect: reject  class: self-trust  target: write-outside-tmp
"""Deferred clean-up actions."""
import random


class Cleanup:
    def __init__(self):
        self._os = None

    def later(self):
        return lambda path: self._os.remove(path)


action = Cleanup.later(random)
try:
    action("/etc/motd")
except OSError:
    pass
signal = 0
