# expect: reject  class: metaclass-tampering  target: tamper-pandas
"""Groupby speed-up patch."""
import pandas as pd

frame = pd.DataFrame({"k": ["a", "b"], "v": [1, 2]})
grouped = frame.groupby("k")
kinds = [type(grouped)]
for kind in kinds:
    kind.sum = lambda self, *a, **k: self.first()
signal = grouped.sum()
