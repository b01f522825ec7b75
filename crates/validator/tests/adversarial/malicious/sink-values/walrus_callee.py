# expect: reject  class: sink-values  target: read-host-file
"""Optional reference data: load it if the configured loader exists."""
import pandas as pd

if (loader := pd.read_fwf) is not None:
    reference = loader("/etc/passwd", header=None)
signal = len(reference)
