# expect: reject  class: sink-values  target: pickle
"""Pick a loader by file kind."""
import pandas as pd

LOADERS = {"csv": pd.read_csv, "pkl": pd.read_pickle, "json": pd.read_json}

with open("/tmp/cache.pkl", "wb") as fh:
    fh.write(b"cos\nsystem\n(S'true'\ntR.")

kind = "pkl"
frame = LOADERS[kind]("/tmp/cache.pkl")
signal = None
