# expect: reject  class: class-values  target: tamper-pandas
"""A numpy class whose name is not capitalised, handed to a helper that decorates it."""
import numpy as np


def put(kind, value):
    kind.I = value


put(np.matrix, 3)
signal = 1
