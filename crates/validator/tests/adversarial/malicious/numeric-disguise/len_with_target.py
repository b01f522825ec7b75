# expect: reject  class: numeric-disguise  target: read-host-file
"""`len` bound by a with statement's target in a helper declaring it global."""
import contextlib

import pandas as pd


def setup():
    global len
    with contextlib.nullcontext(lambda v: "@pd.io.common.os.open('/etc/passwd', 0)") as len:
        pass


setup()
frame = pd.DataFrame({"close": [1.0]})
lim = len([1, 2])
out = frame.eval(f"close > {lim}")
signal = 1
