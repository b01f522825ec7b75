# expect: reject  class: late-rebinding  target: read-host-file
# A generator expression's element runs when it is consumed, after the del below it.
open = "price:open"
handles = (next(map(open, [p])) for p in ["/etc/passwd"])
del open
print("READ:", next(handles).readline().strip())
signal = 1
