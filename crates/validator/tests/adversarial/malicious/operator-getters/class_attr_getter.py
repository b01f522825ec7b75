# expect: reject  class: operator-getters  target: tamper-pandas
"""A patch table applied at start-up."""
import operator
import pandas as pd


class Patches:
    frame = operator.attrgetter("DataFrame")


def apply_patches():
    call = operator.methodcaller("__setattr__", Patches.frame(pd), "rank", lambda self, *a, **k: self)
    call(type)


apply_patches()
signal = 0
