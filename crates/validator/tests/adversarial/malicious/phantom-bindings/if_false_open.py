# expect: reject  class: phantom-bindings  target: write-outside-tmp
"""Write a heartbeat file; tests swap the opener."""
if False:
    open = print

writer = open
with writer("/etc/heartbeat", "w") as fh:
    fh.write("alive")
signal = 1
