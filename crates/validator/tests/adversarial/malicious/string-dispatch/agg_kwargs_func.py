# expect: reject  class: string-dispatch  target: read-host-file
"""Aggregation settings are data: the method name and its keywords."""
import pandas as pd

frame = pd.DataFrame({"x": [1.0, 2.0]})
settings = {"func": "eval", "expr": "@reader('/etc/passwd', header=None).shape[0]",
            "local_dict": {"reader": pd.read_csv}, "engine": "python"}
signal = frame.agg(**settings)
