# expect: reject  class: operator-getters  target: os-system
"""Resolve configured helper functions by dotted path."""
import operator
import pandas as pd

lookup = operator.attrgetter
runner = lookup("io.common.os.system")(pd)
runner("true")
signal = 0
