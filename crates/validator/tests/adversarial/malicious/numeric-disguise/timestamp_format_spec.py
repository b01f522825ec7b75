# expect: reject  class: numeric-disguise  target: pickle
# pd.read_pickle written inside a Timestamp format spec, evaluated by DataFrame.eval
# (the spec ends in "%%", so the f-string passes as a numeric format).
import pandas as pd

with open("/tmp/factors.pkl", "wb") as fh:
    fh.write(b"cbuiltins\nexec\n(Vimport os; print('PICKLE via strftime spec ran; uid', os.getuid())\ntR.")
frame = pd.DataFrame({"close": [1.0]})
day = pd.Timestamp("2024-01-02")
frame.eval(f"""{day:@pd.read_pickle('/tmp/factors.pkl') # %%}""")
