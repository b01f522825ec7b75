# expect: reject  class: url-disguise  target: socket
# A newline inside the scheme: not a URL to a prefix check, a URL to urllib.parse.
import numpy as np

try:
    np.genfromtxt("\nhttp://127.0.0.1:9/beacon.gz")
except Exception as exc:
    print("NETWORK attempted:", type(exc).__name__, exc)
