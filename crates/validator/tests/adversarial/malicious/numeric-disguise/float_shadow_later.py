# expect: reject  class: numeric-disguise  target: read-host-file
"""float() of anything is a number, unless float is rebound globally by a function called first."""
import pandas as pd


def tune():
    global float
    float = lambda v: "@pd.io.common.os.open('/etc/passwd', 0)"


tune()
frame = pd.DataFrame({"close": [1.0]})
lim = float("0.5")
out = frame.query(f"close > {lim}")
signal = 1
