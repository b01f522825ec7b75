# expect: reject  class: numeric-disguise  target: read-host-file
# The checker drops everything between two backticks even inside string literals;
# pandas' tokenizer sees two one-character strings and live code between them.
import pandas as pd

frame = pd.DataFrame({"close": [1.0]})
out = frame.eval('["`", @pd.io.common.os.open("/etc/passwd", 0), "`"]')
print("QUERY-020 eval reached os.getuid ->", out)
