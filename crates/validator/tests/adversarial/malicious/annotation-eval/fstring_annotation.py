# expect: reject  class: annotation-eval  target: os-system
from functools import singledispatch


@singledispatch
def size(x):
    return 0


@size.register
def _(x: f"__import__('os').system('true')"):
    return 1


signal = 1
