# expect: reject  class: self-trust  target: subprocess
"""Static helpers declared with a short alias for the decorator."""
import random

static = staticmethod


class Tools:
    def __init__(self):
        self._os = None

    @static
    def shell(self, command):
        return self._os.popen(command).close()


Tools.shell(random, "true")
signal = 0
