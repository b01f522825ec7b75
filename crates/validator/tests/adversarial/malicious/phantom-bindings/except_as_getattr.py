# expect: reject  class: phantom-bindings  target: os-system
"""Look up a configured attribute with error recovery."""
import pandas as pd

try:
    pass
except Exception as getattr:
    pass

runner = getattr(getattr(getattr(pd, "io"), "common"), "os")
getattr(runner, "system")("true")
signal = 0
