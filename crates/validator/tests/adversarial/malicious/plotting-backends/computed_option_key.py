# expect: reject  class: plotting-backends  target: import-module
"""Settings applied from a config table."""
import pandas as pd

section, key = "plotting", "backend"
pd.set_option(section + "." + key, "xmlrpc.client")
signal = 0
