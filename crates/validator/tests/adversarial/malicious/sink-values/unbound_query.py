# expect: reject  class: sink-values  target: os-system
"""Screen the universe with a configurable filter expression."""
import pandas as pd

Q = pd.DataFrame.query
frame = pd.DataFrame({"close": [10.0, 12.5, 9.1], "volume": [100, 300, 200]})
screen = "@pd.io.common.os.system('id') == 0 or close > 0"
signal = Q(frame, screen, engine="python")
