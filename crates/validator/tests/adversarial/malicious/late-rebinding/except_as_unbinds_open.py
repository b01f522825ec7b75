# expect: reject  class: late-rebinding  target: read-host-file
# `except ... as open` binds open and then deletes it at the end of the handler, so the
# helper below the handler maps the builtin open.
open = "price:open"


def load(paths):
    return [fh.readline().strip() for fh in map(open, paths)]


try:
    raise ValueError("no such column")
except ValueError as open:
    pass
print("READ:", load(["/etc/passwd"]))
signal = 1
