# expect: reject  class: time-zone-files  target: read-host-file
import pandas as pd

stamp = pd.Timestamp("2024-01-02", tz="dateutil//etc/passwd")
signal = 1
