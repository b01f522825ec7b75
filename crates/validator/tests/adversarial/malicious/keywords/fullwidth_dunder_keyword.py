# expect: reject  class: keywords  target: raw-memory
"""Memory-mapped style access to an existing block."""
import types
import numpy as np

marker = "stockade_canary_immutable"
block = types.SimpleNamespace(
    __ａｒｒａｙ_ｉｎｔｅｒｆａｃｅ__={"data": (id(marker), False), "shape": (100,), "typestr": "|u1", "version": 3}
)
cells = np.asarray(block)
pos = bytes(cells).find(b"canary")
cells[pos:pos + 6] = 33
signal = marker
