# expect: reject  class: late-rebinding  target: read-host-file
# The use is walked right after the binding; the del further down the loop body runs
# first, so the second pass maps the builtin open.
open = "price:open"
for i in range(2):
    if i:
        print("READ:", next(map(open, ["/etc/passwd"])).readline().strip())
    else:
        del open
signal = 1
