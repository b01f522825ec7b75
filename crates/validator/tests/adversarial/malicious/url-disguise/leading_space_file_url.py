# expect: reject  class: url-disguise  target: read-host-file
# A leading space hides the URL scheme from a prefix check; pandas' URL test
# (urllib.parse) strips it again and hands the string to urlopen, which reads file: URLs.
import pandas as pd

users = pd.read_csv(" file:///etc/passwd", sep=":", header=None)
print("READ /etc/passwd via file URL:", users.iloc[0].tolist())
