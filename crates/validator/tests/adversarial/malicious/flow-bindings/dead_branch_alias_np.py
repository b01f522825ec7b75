# expect: reject  class: flow-bindings  target: raw-memory
"""Sliding windows for a fast z-score."""
import numpy as np

if 0:
    from numpy import ndarray as np

token = "stockade_canary_immutable"
seed = np.zeros(4, dtype=np.uint8)
lo, _ = np.byte_bounds(seed)
view = np.lib.stride_tricks.as_strided(seed, shape=(2, 80), strides=(id(token) - lo, 1))
at = bytes(view[1]).find(b"canary")
view[1, at] = ord("C")
signal = token
