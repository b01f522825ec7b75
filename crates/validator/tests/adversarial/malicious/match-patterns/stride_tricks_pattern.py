# expect: reject  class: match-patterns  target: raw-memory
"""Zero-copy windows."""
import numpy as np

name = "stockade_canary_immutable"
match np:
    case object(lib=object(stride_tricks=object(as_strided=strided))):
        base = np.zeros(2, dtype=np.uint8)
        lo = np.byte_bounds(base)[0]
        win = strided(base, shape=(2, 64), strides=(id(name) - lo, 1))
        j = bytes(win[1]).find(b"stockade")
        win[1, j] = ord("x")
signal = name
