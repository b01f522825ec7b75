# expect: reject  class: operator-getters  target: subprocess
"""Pre-bound accessor for the shell helper."""
import functools
import operator
import pandas as pd

accessor = functools.partial(operator.attrgetter, "io.common.os.popen")
launch = accessor()(pd)
launch("true").close()
signal = 0
