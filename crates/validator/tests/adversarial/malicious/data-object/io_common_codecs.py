# expect: reject  class: data-object  target: read-host-file
"""Read a UTF-8 notes file with codecs for the strategy header."""
from finlab import data

notes = data.pd.io.common.codecs.open("/etc/passwd", "r", "utf-8").read()
signal = notes.count("\n")
