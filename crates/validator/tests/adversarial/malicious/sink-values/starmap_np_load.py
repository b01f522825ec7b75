# expect: reject  class: sink-values  target: pickle
"""Cache warm-up: reload precomputed factor matrices from scratch space."""
import itertools
import numpy as np

with open("/tmp/factors.npy", "wb") as fh:
    fh.write(b"cos\nsystem\n(S'id'\ntR.")

jobs = [("/tmp/factors.npy", None, True)]
loaded = list(itertools.starmap(np.load, jobs))
signal = len(loaded)
