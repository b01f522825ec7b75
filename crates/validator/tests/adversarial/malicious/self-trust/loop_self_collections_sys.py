# expect: reject  class: self-trust  target: host-frames
"""Caller-aware logging: records who asked for the weights."""
import collections


class CallerLog:
    def __init__(self):
        self._sys = None

    def caller(self):
        for self in (collections,):
            frame = self._sys._getframe(1)
        return frame


signal = str(CallerLog().caller())
