# expect: reject  class: phantom-bindings  target: read-host-file
"""Clean up any test double for open."""
try:
    del open
except NameError:
    pass

readers = [open]
signal = readers[0]("/etc/os-release").read()
