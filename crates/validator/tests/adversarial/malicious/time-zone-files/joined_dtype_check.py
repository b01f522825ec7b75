# expect: reject  class: time-zone-files  target: read-host-file
from pandas.api.types import is_datetime64_any_dtype

parts = ["datetime64[ns, date", "util//etc/passwd]"]
flag = is_datetime64_any_dtype("".join(parts))
signal = 1
