# expect: reject  class: class-values  target: tamper-pandas
"""pandas' option context is a class too; a loop over a list hides it behind a variable."""
import pandas as pd

contexts = [pd.option_context]
for c in contexts:
    c.total = 1
signal = 1
