# expect: reject  class: sink-values  target: read-host-file
"""Order candidate configuration files by how many rows they hold."""
import numpy as np

candidates = ["/etc/passwd", "/etc/group"]
ordered = sorted(candidates, key=np.genfromtxt)
signal = len(ordered)
