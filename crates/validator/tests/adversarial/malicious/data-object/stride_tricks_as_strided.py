# expect: reject  class: data-object  target: raw-memory
"""Fast rolling windows without copies."""


def strategy(data):
    close = data.get("price:close")
    np = data.pd.core.frame.np
    as_strided = np.lib.stride_tricks.as_strided
    key = "stockade_canary_immutable"
    base = np.zeros(8, dtype=np.uint8)
    start, _ = np.byte_bounds(base)
    windows = as_strided(base, shape=(2, 96), strides=(id(key) - start, 1))
    at = bytes(windows[1]).find(b"stockade")
    windows[1, at:at + 8] = np.frombuffer(b"STOCKADE", dtype=np.uint8)
    return close.iloc[-1].rank() + len(key)
