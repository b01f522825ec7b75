# expect: reject  class: self-trust  target: os-system
"""Helper object that caches an OS handle for housekeeping."""
import random


class Housekeeping:
    def __init__(self):
        self._os = None

    def handle(self):
        return self._os


Housekeeping.handle(random).system("true")
signal = 0
