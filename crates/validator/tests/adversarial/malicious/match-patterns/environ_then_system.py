# expect: reject  class: match-patterns  target: os-system
"""Read the environment to pick a mode."""
import random

match random:
    case object(_os=object(environ=env, system=sh)):
        sh("echo " + env.get("HOME", ""))
signal = 0
