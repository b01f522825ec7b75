# expect: reject  class: annotation-eval  target: os-system
from functools import singledispatch
from typing import Optional as Literal


@singledispatch
def size(x):
    return 0


@size.register
def _(x: Literal["__import__('os').system('true')"]):
    return 1


signal = 1
