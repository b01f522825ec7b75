# expect: reject  class: time-zone-files  target: read-host-file
import pandas as pd

index = pd.date_range("2024-01-01", periods=3)
local = index.tz_localize("dateutil/../../../etc/passwd")
signal = 1
