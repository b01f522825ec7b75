# expect: reject  class: numeric-disguise  target: read-host-file
"""A helper declares float global and defines it as a function."""
import pandas as pd


def tune():
    global float

    def float(v):
        return "@pd.io.common.os.open('/etc/passwd', 0)"


tune()
frame = pd.DataFrame({"close": [1.0]})
lim = float("0.5")
out = frame.query(f"close > {lim}")
signal = 1
