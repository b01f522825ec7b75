# expect: reject  class: string-dispatch  target: read-host-file
"""Query with a method name decoded from the config's code points."""
import pandas as pd

codes = [101, 118, 97, 108]
frame = pd.DataFrame({"v": [1, 2]})
verb = "".join(map(chr, codes))
signal = frame.agg(verb, expr="@load('/etc/hostname', header=None).size",
                   local_dict={"load": pd.read_table}, engine="python")
