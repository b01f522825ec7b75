# expect: reject  class: self-trust  target: host-frames
"""Pretty-print helper that resolves its output stream lazily."""
import pprint


class Printer:
    def __init__(self):
        self._sys = None

    def system_module(self):
        return self._sys


mods = list(map(Printer.system_module, [pprint]))
signal = str(mods[0]._getframe(0).f_back)
