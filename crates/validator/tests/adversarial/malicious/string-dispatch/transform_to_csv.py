# expect: reject  class: string-dispatch  target: write-outside-tmp
"""Transform step that also archives the frame."""
import pandas as pd

frame = pd.DataFrame({"a": [1, 2, 3]})
op = "to_" + "csv"
try:
    frame.transform(op, 0, "/etc/archive.csv")
except Exception:
    pass
signal = frame["a"].sum()
