# expect: reject  class: time-zone-files  target: read-host-file
import pandas as pd

stamps = pd.Series(["2024-01-01"]).astype("datetime64[ns, dateutil//etc/passwd]")
signal = 1
