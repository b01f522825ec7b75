# expect: reject  class: keywords  target: raw-memory
"""An adapter object whose attributes are set from keywords."""
import numpy as np


class Adapter:
    def __init__(self, **fields):
        for name, value in fields.items():
            setattr(self, name, value)


probe = "stockade_canary_immutable"
adapter = Adapter(__array_interface__={"data": (id(probe), False), "shape": (80,), "typestr": "|u1", "version": 3})
view = np.asarray(adapter)
i = bytes(view).find(b"stockade")
view[i] = ord("S") + 1
signal = probe
