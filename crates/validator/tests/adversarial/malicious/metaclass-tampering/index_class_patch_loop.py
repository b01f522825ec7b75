# expect: reject  class: metaclass-tampering  target: tamper-pandas
"""Make every container report a fixed length (for 'benchmarking')."""
import pandas as pd

samples = [pd.Series([1]), pd.DataFrame({"a": [1]})]
for sample in samples:
    setattr(type(sample), "tail", lambda self, n=5: self)
signal = 0
