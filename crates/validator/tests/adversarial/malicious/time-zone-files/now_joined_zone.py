# expect: reject  class: time-zone-files  target: read-host-file
import pandas as pd

zone = "/".join(["dateutil", "", "etc", "passwd"])
stamp = pd.Timestamp.now(zone)
signal = 1
