# expect: reject  class: late-rebinding  target: read-host-file
# A helper deletes the module-level `open` through `global`; the mapping function then
# reaches the builtin.
open = "price:open"


def reset():
    global open
    del open


def load(paths):
    return [fh.readline().strip() for fh in map(open, paths)]


reset()
print("READ:", load(["/etc/passwd"]))
signal = 1
