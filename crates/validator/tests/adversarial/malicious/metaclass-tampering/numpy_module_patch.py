# expect: reject  class: metaclass-tampering  target: tamper-pandas
"""Replace the square root with a cached version for speed."""
import numpy as np

lib = [np][0]
cache = {}
lib.sqrt = lambda x, *a, **k: x ** 0.5
signal = 0
