# expect: reject  class: class-values  target: tamper-pandas
"""A lower-case numpy class fetched with getattr, patched through a helper's parameter."""
import numpy as np


def install(k):
    k.total = 0


install(getattr(np, "vectorize"))
signal = 1
