# expect: reject  class: numeric-disguise  target: read-host-file
# round() of a DataFrame leaves text columns untouched; its str() is pasted into eval.
import pandas as pd

text = pd.DataFrame({"": ["@pd.io.common.os.open('/etc/passwd', 0)"]}, index=[""])
frame = pd.DataFrame({"close": [1.0]})
print("QUERY-022 eval reached os.getuid ->", frame.eval(f"{round(text)}"))
