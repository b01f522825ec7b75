# expect: reject  class: flow-bindings  target: read-host-file
"""Load settings from JSON text (the loader is parameterised for tests)."""
import json
import pandas as pd


def settings(json=pd.io.common):
    return json.codecs.open("/etc/passwd").read()


signal = len(settings())
