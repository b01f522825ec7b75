# expect: reject  class: operator-getters  target: read-host-file
"""Collect readers for each configured helper path of the data source."""
import operator


def strategy(data):
    close = data.get("price:close")
    getters = list(map(operator.attrgetter, ["pd.io.common.codecs.open"]))
    notes = getters[0](data)("/etc/passwd").read()
    return {"notes": len(notes), "last": float(close.iloc[-1].mean())}
