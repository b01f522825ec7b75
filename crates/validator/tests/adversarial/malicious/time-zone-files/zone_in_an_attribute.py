# expect: reject  class: time-zone-files  target: read-host-file
# The zone is built into an attribute of the code's own object.
import pandas as pd


class Market:
    def __init__(self, scheme, path):
        self.zone = scheme + path


m = Market("dateutil", "//etc/passwd")
try:
    pd.Timestamp("2024-01-02 09:00", tz=m.zone)
except Exception as exc:
    print("TZ-040 opened /etc/passwd as a tzfile:", type(exc).__name__, exc)
