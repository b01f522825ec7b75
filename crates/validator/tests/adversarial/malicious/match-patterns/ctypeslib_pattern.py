# expect: reject  class: match-patterns  target: ctypes
"""Inspect numpy's interop helpers."""
import numpy as np

match np:
    case object(ctypeslib=object(ctypes=ct)):
        raw = ct.string_at(id(np), 16)
signal = 0
