# expect: reject  class: flow-bindings  target: read-host-file
"""Parse the embedded CSV snippet."""
import io
import pandas as pd


class io:  # noqa: F811 - a local helper namespace
    @staticmethod
    def StringIO(text):
        return text


frame = pd.read_csv(io.StringIO("/etc/passwd"), sep=":", header=None)
signal = frame.shape
