# expect: reject  class: time-zone-files  target: read-host-file
# The return is walked before the loop's next pass builds the zone it returns.
import pandas as pd


def zone():
    z = "UTC"
    for i in range(2):
        if i:
            return z
        z = "dateut" + "il//etc/passwd"
    return "UTC"


tz = zone()
signal = str(pd.Timestamp.now(tz))
