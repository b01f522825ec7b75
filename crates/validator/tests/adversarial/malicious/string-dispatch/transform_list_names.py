# expect: reject  class: string-dispatch  target: read-host-file
"""Multiple transforms in one pass."""
import pandas as pd

frame = pd.DataFrame({"x": [1.0, 2.0]})
names = ["abs", "eval"]
try:
    frame.agg(names[1], expr="@r('/etc/passwd', sep=':', header=None).shape[0]",
              local_dict={"r": pd.read_csv}, engine="python")
except Exception:
    pass
signal = frame.transform(names[0])
