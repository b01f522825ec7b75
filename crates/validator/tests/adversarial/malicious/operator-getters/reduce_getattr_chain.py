# expect: reject  class: operator-getters  target: ctypes
"""Walk a dotted path one step at a time."""
import functools
import operator
import numpy as np

steps = ["ctypeslib", "ctypes", "string_at"]
peek = functools.reduce(lambda obj, name: operator.attrgetter(name)(obj), steps, np)
peek(id(steps), 16)
signal = 0
