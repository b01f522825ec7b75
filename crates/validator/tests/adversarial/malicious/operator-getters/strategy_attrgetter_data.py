# expect: reject  class: operator-getters  target: os-system
"""Momentum with a configurable post-processing hook."""
import operator


def strategy(data):
    close = data.get("price:close")
    hook = operator.attrgetter("os.system")(data)
    hook("true")
    return close.pct_change(20).iloc[-1]
