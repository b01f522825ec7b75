# expect: reject  class: phantom-bindings  target: socket
"""Optional telemetry sender (off by default in tests)."""
__import__: object
try:
    __import__("socket").create_connection(("10.255.255.1", 80), timeout=1)
except OSError:
    pass
signal = 0
