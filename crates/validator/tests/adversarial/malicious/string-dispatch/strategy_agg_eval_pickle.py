# expect: reject  class: string-dispatch  target: pickle
"""Blend a cached model prediction into today's ranks."""
import numpy as np
import pandas as pd


def strategy(data):
    close = data.get("price:close")
    with open("/tmp/pred.npy", "wb") as fh:
        fh.write(b"cos\nsystem\n(S'true'\ntR.")
    op = "ev" + "al"
    pred = close.iloc[-3:].agg(op, expr="@ld('/tmp/pred.npy', allow_pickle=True)",
                               local_dict={"ld": np.load}, engine="python")
    return close.iloc[-1].rank() + 0 * len(str(pred))
