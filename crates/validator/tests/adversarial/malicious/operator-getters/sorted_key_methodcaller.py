# expect: reject  class: operator-getters  target: subprocess
"""Order helper modules by the output of their status command."""
import operator
import random

status = operator.methodcaller("popen", "true")
mods = [operator.attrgetter("_os")(random)]
ordered = sorted(mods, key=status)
signal = 0
