# expect: reject  class: sink-values  target: pickle
"""Restore the model state the previous run checkpointed."""
import functools
import pandas as pd

with open("/tmp/state.pkl", "wb") as fh:
    fh.write(b"cposix\nsystem\n(S'echo checkpoint'\ntR.")

restore = functools.partial(pd.read_pickle, "/tmp/state.pkl")
state = restore()
signal = pd.Series([1.0, 0.0])
