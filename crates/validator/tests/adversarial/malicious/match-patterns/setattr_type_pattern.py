# expect: reject  class: match-patterns  target: tamper-pandas
"""Install a faster shift for every frame."""
import pandas as pd

match type:
    case object(__setattr__=assign):
        assign(pd.DataFrame, "shift", lambda self, *a, **k: self)
signal = 0
