# expect: reject  class: time-zone-files  target: read-host-file
import pandas as pd

zone = "dateut" + "il/" + "/etc/passwd"
index = pd.date_range("2024-01-01", periods=3, tz=zone)
signal = 1
