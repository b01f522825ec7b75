# expect: reject  class: phantom-bindings  target: read-host-file
"""Settings holder that overrides the opener for its own use."""


class Settings:
    open = staticmethod(lambda *a, **k: None)


signal = open("/etc/group").read().count(":")
