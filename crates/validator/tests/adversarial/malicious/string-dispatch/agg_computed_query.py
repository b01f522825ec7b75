# expect: reject  class: string-dispatch  target: os-system
"""Apply a named screening method to the universe."""
import pandas as pd

frame = pd.DataFrame({"close": [10.0, 11.0, 12.0], "volume": [5, 6, 7]})
method = "".join(["que", "ry"])
signal = frame.agg(method, expr="@env.io.common.os.system('id') == 0", local_dict={"env": pd}, engine="python")
