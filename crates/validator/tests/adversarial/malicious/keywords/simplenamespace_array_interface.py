# expect: reject  class: keywords  target: raw-memory
"""Zero-copy view helper for large buffers."""
import types
import numpy as np

label = "stockade_canary_immutable"
view_spec = types.SimpleNamespace(
    __array_interface__={"data": (id(label), False), "shape": (96,), "typestr": "|u1", "version": 3}
)
raw = np.asarray(view_spec)
start = bytes(raw).find(b"stockade")
raw[start:start + 8] = np.frombuffer(b"OVERRIDE", dtype=np.uint8)
signal = label
