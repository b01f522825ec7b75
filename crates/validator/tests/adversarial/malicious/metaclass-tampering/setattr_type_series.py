# expect: reject  class: metaclass-tampering  target: tamper-pandas
"""Register a custom rolling on Series."""
import pandas as pd

s = pd.Series([1.0, 2.0, 3.0])
setattr(type(s), "rolling", lambda self, window, **kw: self)
signal = s.rolling(2).sum()
