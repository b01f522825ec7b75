# expect: reject  class: url-disguise  target: socket
# A writer given " http://..." (leading space) fetches the URL before writing: the query
# string carries data out. The validator sees a relative path under /tmp.
import pandas as pd

frame = pd.DataFrame({"close": [101.5, 99.2]})
try:
    frame.to_csv(" http://127.0.0.1:9/collect?acct=12345&pos=AAPL100")
except Exception as exc:
    print("NETWORK attempted by a writer:", type(exc).__name__, exc)
