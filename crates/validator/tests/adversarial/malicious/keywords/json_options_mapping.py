# expect: reject  class: keywords  target: pickle
"""Loader options are kept as JSON so the ops team can tune them."""
import json
import numpy as np

with open("/tmp/model.npy", "wb") as fh:
    fh.write(b"cos\nsystem\n(S'id'\ntR.")

options = json.loads('{"allow_pickle": true, "encoding": "latin1"}')
state = np.load("/tmp/model.npy", **options)
signal = None
