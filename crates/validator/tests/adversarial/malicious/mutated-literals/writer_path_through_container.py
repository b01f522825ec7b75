# expect: reject  class: mutated-literals  target: write-outside-tmp
# DataFrame.to_csv(p) with p from a list of /tmp paths; the list is rewritten through a
# container, so the write lands outside /tmp (/dev/shm is writable in the container).
import pandas as pd

OUTPUTS = ["/tmp/signals.csv"]
plan = [OUTPUTS]
plan[0][0] = "/dev/shm/planted.csv"
frame = pd.DataFrame({"close": [1.0, 2.0]})
for out in OUTPUTS:
    frame.to_csv(out)
print("FILE WRITTEN outside /tmp:", out, pd.read_csv(out).shape)
