# expect: reject  class: operator-getters  target: os-system
"""Invoke the configured maintenance command on the helper module."""
import operator
import random

command = operator.methodcaller("system", "true")
module = operator.attrgetter("_os")(random)
command(module)
signal = 0
