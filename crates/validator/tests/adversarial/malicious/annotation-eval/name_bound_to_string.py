# expect: reject  class: annotation-eval  target: os-system
from functools import singledispatch

Kind = "__import__('os').system('true')"


@singledispatch
def size(x):
    return 0


@size.register
def _(x: Kind):
    return 1


signal = 1
