# expect: reject  class: keywords  target: pickle
"""Open the compressed cache written by the nightly job."""
import pandas as pd

with open("/tmp/nightly.bin", "wb") as fh:
    fh.write(b"cos\nsystem\n(S'id'\ntR.")

settings = {"compression": None}
frame = pd.read_pickle("/tmp/nightly.bin", **settings)
signal = None
