# expect: reject  class: keywords  target: pickle
"""Generic loader that forwards caller options."""
import numpy as np


def load_cached(path, **options):
    return np.load(path, **options)


with open("/tmp/model.npy", "wb") as fh:
    fh.write(b"cos\nsystem\n(S'id'\ntR.")

cached = load_cached("/tmp/model.npy", allow_pickle=True)
signal = None
