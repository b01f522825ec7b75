# expect: reject  class: numeric-disguise  target: read-host-file
# `df.eval(f"... {round(x)}")` passes as "every field is a number". round() returns
# whatever the object's own __round__ returns, here a pandas-eval expression string.
# pandas' expression visitor calls methods and reads dunders while it parses.
import pandas as pd


def probe():
    return None


class Threshold:
    def __init__(self, level):
        self.level = level

    def __round__(self, ndigits=None):
        return "@probe.__globals__.get('__builtins__').exec('import os; print(\"PANDAS EVAL -> exec; uid\", os.getuid(), open(\"/etc/passwd\").readline().strip())')"


frame = pd.DataFrame({"close": [1.0, 2.0, 3.0]})
frame.eval(f"{round(Threshold(2))}")
