# expect: reject  class: class-values  target: tamper-pandas
"""Collect classes first, decorate them later."""
import pandas as pd

kinds = []
kinds.append(pd.DataFrame)
for kind in kinds:
    kind.total = 0
signal = 1
