# expect: reject  class: sink-values  target: host-frames
"""Render diagnostics for each failure with a shared template."""
template = "{0.__traceback__.tb_frame.f_back.f_locals}"
render = template.format

errors = []
try:
    1 / 0
except ZeroDivisionError as exc:
    errors.append(exc)

signal = list(map(render, errors))
