# expect: reject  class: time-zone-files  target: read-host-file
import pandas as pd

index = pd.date_range("2024-01-01", periods=2, tz="date\x75til\x2f/etc/passwd")
signal = 1
