# expect: reject  class: operator-getters  target: socket
"""Fetch helper whose accessor can be overridden."""
import operator
import pandas as pd


def fetch(url, get=operator.attrgetter("io.common.urlopen")):
    return get(pd)(url, timeout=1)


try:
    fetch("http://10.255.255.1/")
except Exception:
    pass
signal = 0
