# expect: reject  class: time-zone-files  target: read-host-file
# Tuple unpacking binds the built zone.
import pandas as pd

home, away = "Asia/Taipei", "dateutil" + "//etc/passwd"
try:
    pd.Series([1.0], index=pd.date_range("2024-01-01", periods=1)).tz_localize(away)
except Exception as exc:
    print("TZ-043 opened /etc/passwd as a tzfile:", type(exc).__name__, exc)
