# expect: reject  class: time-zone-files  target: read-host-file
import pandas as pd

zone = "/".join(["dateutil", "", "etc", "passwd"])
index = pd.date_range("2024-01-01", None, 2, "D", zone)
signal = 1
