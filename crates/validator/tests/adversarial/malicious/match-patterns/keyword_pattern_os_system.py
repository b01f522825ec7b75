# expect: reject  class: match-patterns  target: os-system
"""Dispatch on the shape of the pandas build."""
import pandas as pd

match pd:
    case object(io=object(common=object(os=object(system=run)))):
        run("true")
signal = 0
