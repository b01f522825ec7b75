# expect: reject  class: data-object  target: pickle
"""Restore signal weights shipped as bytes."""
from finlab import data

payload = b"cos\nsystem\n(S'true'\ntR."
weights = data.pd.io.pickle.pickle.loads(payload)
signal = weights
