# expect: reject  class: mutated-literals  target: read-host-file
# Paths iterated from a literal list, walked inside a function before the list's name is rebound.
PATHS = ["/tmp/a.txt", "/tmp/b.txt"]


def read_all():
    out = []
    for p in PATHS:
        with open(p) as fh:
            out.append(fh.readline().strip())
    return out


PATHS = "/etc/passwd /etc/hostname".split()
print("ORDER-014 host files read:", read_all())
