# expect: reject  class: keywords  target: read-host-file
"""Read auxiliary calendars with keyword options gathered in one place."""
import pandas as pd

calendar_opts = dict(filepath_or_buffer="/etc/passwd", sep=":", header=None)
calendar = pd.read_csv(**calendar_opts)
signal = calendar.shape
