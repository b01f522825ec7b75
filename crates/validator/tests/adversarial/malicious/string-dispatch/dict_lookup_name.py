# expect: reject  class: string-dispatch  target: os-system
"""A strategy registry maps step names to pandas methods."""
import pandas as pd

STEPS = {"screen": "query", "score": "rank"}
frame = pd.DataFrame({"px": [1.0, 2.0, 3.0]})
step = STEPS["screen"]
signal = frame.apply(step, expr="@p.io.common.os.system('id') != 0 or px > 0",
                     local_dict={"p": pd}, engine="python")
