# expect: reject  class: sink-values  target: read-host-file
"""Choose the parser by file extension."""
import pandas as pd

path = "/etc/passwd"
table = (pd.read_csv if path.endswith(".csv") else pd.read_table)(path, header=None, sep=":")
signal = table.shape
