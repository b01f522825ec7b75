# expect: reject  class: numeric-disguise  target: read-host-file
# The field is a number where the f-string is written; the loop's second pass reaches it
# after the name was rebound, further down, to code.
import pandas as pd

frame = pd.DataFrame({"close": [1.0]})
limit = 0
for _ in range(2):
    out = frame.query(f"close > {limit}")
    limit = '@pd.io.common.os.open("/etc/passwd", 0)'
print(out)
