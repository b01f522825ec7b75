# expect: reject  class: data-object  target: ctypes
"""Inspect raw buffer bytes for a checksum."""


def strategy(data):
    close = data.get("price:close")
    ct = data.pd.core.frame.np.core._internal.ctypes
    blob = b"checksum-me"
    raw = ct.string_at(id(blob), 48)
    return {"rank": close.iloc[-1].rank().to_dict(), "sum": sum(raw)}
