# expect: reject  class: phantom-bindings  target: subprocess
"""Sandboxed expression runner."""
import contextlib

with contextlib.suppress(ZeroDivisionError):
    1 / 0
    exec = print

exec("import subprocess\nsubprocess.Popen(['true'])")
signal = 0
