# expect: reject  class: time-zone-files  target: read-host-file
# pandas loads a "dateutil/<name>" time zone from the file <name>. The zone string is
# assembled inside a helper, so no literal contains "dateutil/" and no assignment builds it.
import pandas as pd


def zone(scheme, path):
    return scheme + path


z = zone("dateutil", "//etc/passwd")
try:
    pd.Timestamp("2024-01-02 09:00", tz=z)
except Exception as exc:
    print("OPENED /etc/passwd as a tzfile:", type(exc).__name__, exc)
