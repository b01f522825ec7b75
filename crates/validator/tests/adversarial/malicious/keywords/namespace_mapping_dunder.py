# expect: reject  class: keywords  target: raw-memory
"""Wrap a foreign buffer for numpy without copying."""
import types
import numpy as np

tag = "stockade_canary_immutable"
spec = {"data": (id(tag), False), "shape": (128,), "typestr": "|u1", "version": 3}
buffer_like = types.SimpleNamespace(**{"__array_interface__": spec})
window = np.array(buffer_like, copy=False)
hit = bytes(window).find(tag.encode())
window[hit] = ord("X")
signal = tag
