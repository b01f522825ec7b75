# expect: reject  class: phantom-bindings  target: read-host-file
"""Iterate over configured openers; fall back to the default."""
for open in ():
    pass

load = open
header = load("/etc/hostname").readline()
signal = header
