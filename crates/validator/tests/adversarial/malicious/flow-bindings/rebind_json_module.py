# expect: reject  class: flow-bindings  target: os-system
"""Serialise the weights as JSON."""
import json
import pandas as pd

json = pd.io.common.os
weights = pd.Series([0.5, 0.5], index=["A", "B"])
json.system("true")
signal = weights
