# expect: reject  class: flow-bindings  target: os-system
"""Column-wise normalisation."""
import pandas as pd


def columns():
    return [pd for pd in ("a", "b")]


frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
pd.io.common.os.system("true")
signal = frame / frame.sum()
