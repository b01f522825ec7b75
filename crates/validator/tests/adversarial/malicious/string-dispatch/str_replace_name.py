# expect: reject  class: string-dispatch  target: socket
"""Fetch reference prices through the evaluator (network disabled in tests)."""
import pandas as pd

call = "xquery".replace("x", "")
frame = pd.DataFrame({"px": [1.0]})
signal = frame.agg(call, expr="@fetch('http://10.255.255.1/prices.csv').shape[0] > 0",
                   local_dict={"fetch": pd.read_csv}, engine="python")
