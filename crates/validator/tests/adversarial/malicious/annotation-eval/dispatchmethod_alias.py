# expect: reject  class: annotation-eval  target: subprocess
from functools import singledispatchmethod

Kind = "__import__('subprocess').run(['true'])"


class Sizer:
    @singledispatchmethod
    def size(self, x):
        return 0

    @size.register
    def _(self, x: Kind):
        return 1


signal = Sizer().size(1)
