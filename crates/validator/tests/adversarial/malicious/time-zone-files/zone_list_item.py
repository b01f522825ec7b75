# expect: reject  class: time-zone-files  target: read-host-file
# The zone sits in a list built from pieces; the call reads an item of the list.
import pandas as pd

zones = ["Asia/Taipei", "dateutil" + "//etc/hostname"]
idx = pd.date_range("2024-01-01", periods=3, freq="D")
try:
    idx.tz_localize(zones[1])
except Exception as exc:
    print("OPENED /etc/hostname as a tzfile:", type(exc).__name__, exc)
