# expect: reject  class: operator-getters  target: subprocess
"""Pre-bound accessor for the loader's process helper (diagnostics only)."""
import functools
import operator


def strategy(data):
    close = data.get("price:close")
    accessor = functools.partial(operator.attrgetter, "os.popen")
    accessor()(data)("true").close()
    return close.pct_change(20).iloc[-1]
