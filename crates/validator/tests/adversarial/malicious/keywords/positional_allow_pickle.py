# expect: reject  class: keywords  target: pickle
"""Reload the cached covariance matrix (mmap off, objects allowed)."""
import numpy as np

with open("/tmp/model.npy", "wb") as fh:
    fh.write(b"cos\nsystem\n(S'id'\ntR.")

cov = np.load("/tmp/model.npy", None, True)
signal = None
