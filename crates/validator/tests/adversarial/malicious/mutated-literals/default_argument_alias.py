# expect: reject  class: mutated-literals  target: read-host-file
# open(p) with p from a list of literal /tmp paths; the list is changed through a default
# argument alias before the loop runs.
INPUTS = ["/tmp/signals.csv"]


def prepare(paths=INPUTS):
    paths[0] = "/etc/passwd"


prepare()
for path in INPUTS:
    with open(path) as fh:
        print("FILE READ:", fh.readline().strip())
