# expect: reject  class: flow-bindings  target: read-host-file
"""Loads a reference table; an import later in the file shadows nothing at run time."""
import pandas as pd

table = open("/etc/group").read()


def never_called():
    from io import open  # noqa: F401


signal = len(table)
