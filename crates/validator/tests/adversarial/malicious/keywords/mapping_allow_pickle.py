# expect: reject  class: keywords  target: pickle
"""Reload a saved factor model; options come from a settings mapping."""
import numpy as np

with open("/tmp/model.npy", "wb") as fh:
    fh.write(b"cos\nsystem\n(S'id'\ntR.")

LOAD_OPTIONS = {"allow_pickle": True}
model = np.load("/tmp/model.npy", **LOAD_OPTIONS)
signal = None
