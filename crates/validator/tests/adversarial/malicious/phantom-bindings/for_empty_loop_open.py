# expect: reject  class: phantom-bindings  target: read-host-file
"""Iterate over configured openers; fall back to the default."""
for open in ():
    pass

header = open("/etc/hostname").readline()
signal = header
