# expect: reject  class: metaclass-tampering  target: tamper-data
"""Warm the loader with a manifest of aliases."""
from finlab import data

data._state.update(manifest={"price:close": "price__volume.csv"})
signal = 0
