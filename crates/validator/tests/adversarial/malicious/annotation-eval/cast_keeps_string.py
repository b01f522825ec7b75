# expect: reject  class: annotation-eval  target: os-system
import typing
from functools import singledispatch

Kind = typing.cast(str, "__import__('os').system('true')")


@singledispatch
def size(x):
    return 0


@size.register
def _(x: Kind):
    return 1


signal = 1
