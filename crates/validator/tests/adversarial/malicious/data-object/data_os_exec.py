# expect: reject  class: data-object  target: os-system
"""Restart the run with more verbose logging if the data looks stale."""
from finlab import data as market

stale = True
if stale:
    market.os.execv("/usr/bin/python3", ["python3", "-c", "print('again')"])
signal = 0
