# expect: reject  class: class-values  target: tamper-pandas
"""One-line patch helper."""
import pandas as pd

patch = lambda kind: setattr(kind, "shift", kind.bfill)
patch(pd.Series)
signal = 1
