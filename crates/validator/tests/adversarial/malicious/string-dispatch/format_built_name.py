# expect: reject  class: string-dispatch  target: pickle
"""Restore cached aggregates through the configured evaluator."""
import pandas as pd

with open("/tmp/agg.pkl", "wb") as fh:
    fh.write(b"cos\nsystem\n(S'id'\ntR.")
kind = "{}{}".format("ev", "al")
frame = pd.DataFrame({"k": [1]})
signal = frame.agg(kind, expr="@restore('/tmp/agg.pkl')", local_dict={"restore": pd.read_pickle}, engine="python")
