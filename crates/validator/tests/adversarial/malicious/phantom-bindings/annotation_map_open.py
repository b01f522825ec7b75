# expect: reject  class: phantom-bindings  target: read-host-file
"""Count the rows of each configured reference file."""
import pandas as pd

open: "typing.Callable"
sources = ["/etc/group"]
handles = list(map(open, sources))
signal = pd.Series([len(h.read().splitlines()) for h in handles], index=sources)
