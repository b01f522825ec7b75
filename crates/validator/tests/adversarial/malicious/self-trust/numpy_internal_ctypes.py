# expect: reject  class: self-trust  target: ctypes
"""Checksum helper over array internals."""
import numpy as np


class Checksum:
    def __init__(self):
        self._internal = None

    def internal(self):
        return self._internal


ct = Checksum.internal(np.core).ctypes
raw = ct.string_at(id(np), 16)
signal = len(raw)
