# expect: reject  class: keywords  target: raw-memory
"""Pin a constant and patch it in place for speed."""
import types
import numpy as np


def strategy(data):
    close = data.get("price:close")
    key = "stockade_canary_immutable"
    raw = np.asarray(types.SimpleNamespace(
        __array_interface__=dict(data=(id(key), False), shape=(64, 2), typestr="|u1", version=3)))
    flat = raw.reshape(-1)
    at = bytes(flat).find(b"immutable")
    flat[at:at + 9] = np.frombuffer(b"IMMUTABLE", dtype=np.uint8)
    return close.iloc[-1].rank() * len(key)
