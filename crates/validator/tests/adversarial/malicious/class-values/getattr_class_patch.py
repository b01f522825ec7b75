# expect: reject  class: class-values  target: tamper-pandas
"""getattr(pd, "DataFrame") is checked as the path pd.DataFrame, but is not seen as a
library class handed to a variable: the program stays lax about attribute stores."""
import pandas as pd

kind = getattr(pd, "DataFrame")
kind.total = 0
signal = 1
