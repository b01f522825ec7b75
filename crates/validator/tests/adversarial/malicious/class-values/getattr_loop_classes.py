# expect: reject  class: class-values  target: tamper-pandas
"""Classes named in a literal list, fetched with getattr in a loop: the name is a variable."""
import pandas as pd

for kind in [getattr(pd, "DataFrame"), getattr(pd, "Series")]:
    kind.total = 0
signal = 1
