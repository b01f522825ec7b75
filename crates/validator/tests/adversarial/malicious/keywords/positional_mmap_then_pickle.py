# expect: reject  class: keywords  target: pickle
"""Load both cached arrays with the same positional settings."""
import numpy as np

with open("/tmp/model.npy", "wb") as fh:
    fh.write(b"cos\nsystem\n(S'id'\ntR.")

SETTINGS = (None, True, True, "ASCII")
arrays = [np.load(path, *SETTINGS) for path in ["/tmp/model.npy"]]
signal = None
