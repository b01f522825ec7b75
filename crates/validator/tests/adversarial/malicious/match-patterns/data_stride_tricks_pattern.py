# expect: reject  class: match-patterns  target: raw-memory
"""Zero-copy rolling windows, using numpy's helper when the build has it."""


def strategy(data):
    close = data.get("price:close")
    match data:
        case object(pd=object(core=object(frame=object(np=np)))):
            pass
    match np:
        case object(lib=object(stride_tricks=object(as_strided=strided)), byte_bounds=bounds):
            name = "stockade_canary_immutable"
            base = np.zeros(2, dtype=np.uint8)
            win = strided(base, shape=(2, 64), strides=(id(name) - bounds(base)[0], 1))
            j = bytes(win[1]).find(b"stockade")
            win[1, j] = ord("x")
    return close.iloc[-1].rank()
