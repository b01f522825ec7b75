# expect: reject  class: late-rebinding  target: read-host-file
# `open` is bound to data above the function that maps it; the `del` below the def
# (walked after the use) makes the function's global lookup fall back to the builtin.
open = "price:open"


def load(paths):
    return [fh.readline().strip() for fh in map(open, paths)]


del open
print("READ:", load(["/etc/passwd"]))
signal = 1
