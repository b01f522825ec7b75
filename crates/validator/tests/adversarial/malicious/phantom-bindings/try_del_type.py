# expect: reject  class: phantom-bindings  target: raw-memory
"""Defines a small record type dynamically."""
import numpy as np

try:
    del type
except NameError:
    pass

secret = "stockade_canary_immutable"
make = type
Box = make("Box", (), {"__array_interface__": {"data": (id(secret), False), "shape": (64,),
                                               "typestr": "|u1", "version": 3}})
mem = np.asarray(Box())
i = bytes(mem).find(b"stockade")
mem[i] = ord("s") - 1
signal = secret
