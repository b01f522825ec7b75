# expect: reject  class: self-trust  target: subprocess
"""Run a diagnostic through the logger's process helper."""
import random


class Diagnostics:
    def __init__(self):
        self._os = None

    def run(self, command):
        self = random
        return self._os.popen(command).read()


signal = Diagnostics().run("true")
