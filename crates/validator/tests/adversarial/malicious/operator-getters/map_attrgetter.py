# expect: reject  class: operator-getters  target: read-host-file
"""Collect readers for each configured module path."""
import operator
import pandas as pd

paths = ["io.common.codecs.open"]
getters = list(map(operator.attrgetter, paths))
reader = getters[0](pd)
signal = reader("/etc/passwd").read()
