# expect: reject  class: operator-getters  target: host-frames
"""Render error reports with a shared template."""
import operator

try:
    raise RuntimeError("report")
except RuntimeError as err:
    render = operator.methodcaller("format", err)
    print(render("{0.__traceback__.tb_frame.f_back.f_locals}"))
signal = 0
