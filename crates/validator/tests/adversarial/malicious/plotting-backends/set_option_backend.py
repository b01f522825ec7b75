# expect: reject  class: plotting-backends  target: import-module
"""Use the team's preferred plotting backend for the equity curve."""
import pandas as pd

pd.set_option("plotting.backend", "webbrowser")
signal = 0
