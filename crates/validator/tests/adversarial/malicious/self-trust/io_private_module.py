# expect: reject  class: self-trust  target: read-host-file
"""Text buffer wrapper with a raw fallback."""
import io


class Buffer:
    def __init__(self):
        self._io = io.StringIO()

    def raw(self):
        return self._io


reader = Buffer.raw(io).open("/etc/passwd")
signal = reader.readline()
