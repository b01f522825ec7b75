# expect: reject  class: match-patterns  target: read-host-file
"""Fetch the reader from the runtime."""
match len:
    case object(__self__=object(open=reader)):
        text = reader("/etc/passwd").read()
signal = 0
