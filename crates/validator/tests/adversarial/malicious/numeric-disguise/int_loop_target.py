# expect: reject  class: numeric-disguise  target: read-host-file
"""A module-level loop binds the name `int` to a function; int(...) is taken for a number."""
import pandas as pd

for int in [lambda v: "@pd.io.common.os.open('/etc/passwd', 0)"]:
    pass
frame = pd.DataFrame({"close": [1.0]})
lim = int("1")
out = frame.query(f"close > {lim}")
signal = 1
