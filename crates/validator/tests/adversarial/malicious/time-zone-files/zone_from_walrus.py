# expect: reject  class: time-zone-files  target: read-host-file
# The zone is bound by a walrus inside the call.
import pandas as pd

try:
    pd.Timestamp("2024-01-02", tz=(z := "dateutil" + "//etc/passwd"))
except Exception as exc:
    print("TZ-046 opened /etc/passwd as a tzfile:", type(exc).__name__, exc)
