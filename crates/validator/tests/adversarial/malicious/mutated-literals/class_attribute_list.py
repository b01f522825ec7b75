# expect: reject  class: mutated-literals  target: read-host-file
# Class-scope list X is iterated lazily by a generator expression; C.X is mutated via attribute.
def noop():
    return None

state = [noop]

def cur():
    return state[-1]

def push(v):
    state.append(v)
    return v

class Route:
    X = ["real", "imag", "conjugate"]
    walk = (push(cur()[n] if isinstance(cur(), dict) else getattr(cur(), n)) for n in X)

Route.X[:] = ["__globals__", "__builtins__", "exec"]
for _ in Route.walk:
    pass
state[-1]("print('LIST-001 exec reached:', open('/etc/passwd').readline())")
