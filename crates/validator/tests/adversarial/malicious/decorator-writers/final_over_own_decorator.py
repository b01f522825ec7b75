# expect: reject  class: decorator-writers  target: tamper-pandas
# Decorators apply bottom-up: typing.final receives whatever the own decorator returns.
import typing

import pandas as pd

KINDS = {"frame": pd.DataFrame}


def as_kind(fn):
    return KINDS[fn.__name__ if False else "frame"]


@typing.final
@as_kind
def report():
    return None


signal = 1
