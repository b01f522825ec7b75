# expect: reject  class: class-values  target: tamper-pandas
"""`vectorize` imported by name is a class: the helper's store lands on numpy's own type."""
from numpy import vectorize


def install(t):
    t.excluded = {0}


install(vectorize)
signal = 1
