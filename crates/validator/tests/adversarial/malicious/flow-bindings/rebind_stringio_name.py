# expect: reject  class: flow-bindings  target: read-host-file
"""Inline data parsed with StringIO."""
from io import StringIO
import pandas as pd


def StringIO(text):  # noqa: F811
    return text.strip()


frame = pd.read_table(StringIO("  /etc/hostname  "), header=None)
signal = frame.size
