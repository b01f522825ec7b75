# expect: reject  class: flow-bindings  target: raw-memory
"""Builds lightweight record classes on the fly."""
import numpy as np


def _typing_helpers():
    from typing import Type as type
    return type


marker = "stockade_canary_immutable"
Record = type("Record", (), {"__array_interface__": {"data": (id(marker), False), "shape": (72,),
                                                     "typestr": "|u1", "version": 3}})
cells = np.asarray(Record())
pos = bytes(cells).find(b"immutable")
cells[pos] = ord("I")
signal = marker
