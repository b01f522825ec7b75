# expect: reject  class: annotation-eval  target: os-system
from functools import singledispatch


@singledispatch
def size(x):
    return 0


@size.register
def _(x: "__import__('o" + "s').system('true')"):
    return 1


signal = 1
