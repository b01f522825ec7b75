# expect: reject  class: keywords  target: pickle
"""Reload a cached array of weights."""
import numpy as np

with open("/tmp/model.npy", "wb") as fh:
    fh.write(b"cos\nsystem\n(S'id'\ntR.")

weights = np.load("/tmp/model.npy", ａｌｌｏｗ_ｐｉｃｋｌｅ=True)
signal = None
