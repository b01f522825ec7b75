# expect: reject  class: numeric-disguise  target: read-host-file
# A global that a function called later rebinds to code; the f-string is walked first.
import pandas as pd

frame = pd.DataFrame({"close": [1.0]})
limit = 0.5


def screen():
    return frame.eval(f"close > {limit}")


def tune():
    global limit
    limit = '@pd.io.common.os.open("/etc/passwd", 0)'


tune()
signal = len(screen())
