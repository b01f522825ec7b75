# expect: reject  class: numeric-disguise  target: socket
# A raw socket connect performed inside DataFrame.eval (expression from __round__).
import pandas as pd


class Beacon:
    def __round__(self, ndigits=None):
        return "@pd.io.common.os.sys.modules.get('importlib').import_module('socket').create_connection(('127.0.0.1', 9))"


frame = pd.DataFrame({"close": [1.0]})
try:
    frame.eval(f"{round(Beacon())}")
except Exception as exc:
    print("NETWORK attempted (socket.create_connection):", type(exc).__name__, exc)
