# expect: reject  class: operator-getters  target: host-frames
"""Render error reports with a shared template."""
import functools
import operator

render = functools.partial(operator.methodcaller, "format")
try:
    raise RuntimeError("report")
except RuntimeError as err:
    print(render(err)("{0.__traceback__.tb_frame.f_back.f_locals}"))
signal = 0
