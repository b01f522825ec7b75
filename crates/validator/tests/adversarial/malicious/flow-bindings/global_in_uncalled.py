# expect: reject  class: flow-bindings  target: subprocess
"""Helper module state."""
import numpy as np


def _reset():
    global np
    from numpy import float64 as np


np.lib.utils.os.popen("id").read()
signal = 1
