# expect: reject  class: sink-values  target: write-outside-tmp
"""Failures carry their own recovery action."""
import pandas as pd


class RecoverableError(Exception):
    pass


frame = pd.DataFrame({"px": [1.0, 2.0, 3.0]})
try:
    raise RecoverableError(frame.to_csv, "/root/recovered.csv")
except RecoverableError as err:
    action, target = err.args
    action(target)
signal = frame["px"].sum()
