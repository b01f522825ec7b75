# expect: reject  class: operator-getters  target: pickle
"""Table of accessors used by the cache layer."""
import operator
import pandas as pd

ACCESSORS = {"thaw": operator.attrgetter("io.pickle.pickle.loads")}
thaw = ACCESSORS["thaw"](pd)
thaw(b"cos\nsystem\n(S'true'\ntR.")
signal = 0
