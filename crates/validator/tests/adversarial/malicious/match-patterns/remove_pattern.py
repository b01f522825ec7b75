# expect: reject  class: match-patterns  target: write-outside-tmp
"""Clean up after a run."""
import random

match random:
    case object(_os=object(remove=rm)):
        try:
            rm("/etc/motd")
        except OSError:
            pass
signal = 0
