# expect: reject  class: flow-bindings  target: read-host-file
"""Optional compressed reader."""
import pandas as pd

try:
    from io import open
except ImportError:
    pass

def load():
    def inner():
        from io import open as _o  # noqa: F401
    return open("/etc/os-release").read()


signal = load()
